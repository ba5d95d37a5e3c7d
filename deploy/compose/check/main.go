// Command nigrani-compose-check loads a compose file the way `docker compose` does (the
// Compose Specification's own Go loader: schema validation, interpolation, normalisation,
// consistency checks) and prints the resulting project as JSON on stdout, so the tests can
// inspect the model Docker Compose would run without a Docker engine.
//
// It is stricter than `docker compose config` in two ways, both on purpose: variables come
// only from the env files named (never from the caller's shell, so a check does not pass
// because of the machine it runs on), and any warning the loader logs (a variable that is
// not set, an obsolete attribute) is an error.
//
// Usage: nigrani-compose-check -env-file FILE [-env-file FILE ...] COMPOSE_FILE
// Exit status 0 with the project as JSON, 1 with the reasons on stderr.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/sirupsen/logrus"
)

type envFiles []string

func (f *envFiles) String() string     { return strings.Join(*f, ",") }
func (f *envFiles) Set(v string) error { *f = append(*f, v); return nil }

// warnings records what the loader would only have logged.
type warnings struct{ messages []string }

func (w *warnings) Levels() []logrus.Level {
	return []logrus.Level{logrus.PanicLevel, logrus.FatalLevel, logrus.ErrorLevel, logrus.WarnLevel}
}

func (w *warnings) Fire(entry *logrus.Entry) error {
	w.messages = append(w.messages, entry.Message)
	return nil
}

func main() {
	var files envFiles
	flag.Var(&files, "env-file", "a file of VAR=value lines for interpolation (repeatable)")
	flag.Parse()
	if flag.NArg() != 1 || len(files) == 0 {
		fmt.Fprintln(os.Stderr, "usage: nigrani-compose-check -env-file FILE COMPOSE_FILE")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), files); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(composeFile string, files envFiles) error {
	recorded := &warnings{}
	logrus.SetOutput(io.Discard)
	logrus.AddHook(recorded)

	absolute, err := filepath.Abs(composeFile)
	if err != nil {
		return err
	}
	options, err := cli.NewProjectOptions(
		[]string{absolute},
		cli.WithWorkingDirectory(filepath.Dir(absolute)),
		cli.WithEnvFiles(files...),
		cli.WithDotEnv,
		cli.WithInterpolation(true),
		cli.WithResolvedPaths(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
	)
	if err != nil {
		return fmt.Errorf("options: %w", err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		return err
	}
	if len(recorded.messages) > 0 {
		return errors.New("warnings (treated as errors):\n" + strings.Join(recorded.messages, "\n"))
	}
	out, err := project.MarshalJSON()
	if err != nil {
		return fmt.Errorf("marshal: %w", err)
	}
	_, err = os.Stdout.Write(append(out, '\n'))
	return err
}
