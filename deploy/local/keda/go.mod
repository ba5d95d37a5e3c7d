// KEDA's ScaledObject CRD and its Kafka scaler, downloaded (never built) so that the tests
// validate deploy/k8s's ScaledObjects against KEDA's own schema and trigger metadata
// (nigrani_localinfra/k8s_tools.py copies both files into the cache once).
module nigrani.local/keda

go 1.24

require github.com/kedacore/keda/v2 v2.21.0
