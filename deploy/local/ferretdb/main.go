// Command nigrani-ferretdb runs embedded FerretDB v1 with the SQLite backend so the
// Nigrani services can talk the MongoDB wire protocol locally without Docker or a
// MongoDB server. It is built once per FerretDB version by nigrani_localinfra.
//
// We embed the library instead of installing cmd/ferretdb because that binary
// needs generated version files that the module archive does not contain.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listenAddr := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	stateDir := flag.String("state-dir", "", "directory for the SQLite databases (created if missing)")
	logLevel := flag.String("log-level", "warn", "log level: debug, info, warn or error")
	flag.Parse()

	if err := run(*listenAddr, *stateDir, *logLevel); err != nil {
		fmt.Fprintf(os.Stderr, "nigrani-ferretdb: %v\n", err)
		os.Exit(1)
	}
}

func run(listenAddr, stateDir, logLevel string) error {
	if stateDir == "" {
		return fmt.Errorf("-state-dir is required")
	}

	// FerretDB's SQLite backend wants a URI naming an existing absolute directory
	// with a trailing slash.
	dir, err := filepath.Abs(stateDir)
	if err != nil {
		return fmt.Errorf("resolving state dir: %w", err)
	}

	if err = os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating state dir: %w", err)
	}

	var level slog.Level
	if err = level.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("invalid -log-level %q: %w", logLevel, err)
	}

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	// Telemetry is always disabled by the embeddable package.
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: listenAddr},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
	})
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	fmt.Fprintf(os.Stderr, "nigrani-ferretdb: listening on %s, data in %s\n", listenAddr, dir)

	go keepIDIndexes(ctx, dir, logger)

	// Run returns once ctx is cancelled and every connection and the backend are closed.
	if err = f.Run(ctx); err != nil {
		return err
	}

	fmt.Fprintln(os.Stderr, "nigrani-ferretdb: stopped")

	return nil
}
