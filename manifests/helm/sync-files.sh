#!/bin/sh
# Copies the kustomize sources the chart renders into imds-prober/files/, at the same paths
# relative to the repository root. Helm cannot read files outside the chart, so the chart carries
# these copies; HelmChartTest fails when a copy differs from its source. Run after changing one:
#   sh manifests/helm/sync-files.sh
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
files="$root/manifests/helm/imds-prober/files"
rm -rf "$files"
for f in \
  grafana/imds-prober.json \
  manifests/base/namespace.yaml \
  manifests/base/serviceaccount.yaml \
  manifests/base/rbac.yaml \
  manifests/base/service.yaml \
  manifests/base/networkpolicy.yaml \
  manifests/overlays/deployment/deployment.yaml \
  manifests/overlays/deployment/pdb.yaml \
  manifests/overlays/cronjob/cronjob.yaml \
  manifests/overlays/cronjob/pushgateway-egress.yaml \
  manifests/components/admission-policy/params.yaml \
  manifests/components/admission-policy/rbac.yaml \
  manifests/components/admission-policy/probe-jobs.yaml \
  manifests/components/admission-policy/probe-pods.yaml \
  manifests/components/admission-policy/probe-exec.yaml \
  manifests/components/admission-policy/probe-job-edits.yaml \
  manifests/components/namespaced-rbac/clusterrole.yaml \
  manifests/components/namespaced-rbac/probe-role.yaml \
  manifests/components/openreports/rbac.yaml \
  manifests/components/policy-kinds/rbac.yaml \
  manifests/components/prometheus-operator/prometheusrule.yaml \
  manifests/components/prometheus-operator/servicemonitor.yaml \
  manifests/plain-prometheus/imds-prober-rules.yaml; do
  if [ -f "$root/$f" ]; then
    mkdir -p "$files/$(dirname "$f")"
    cp "$root/$f" "$files/$f"
  else
    echo "sync-files.sh: $f is missing; the chart renders without it" >&2
  fi
done
