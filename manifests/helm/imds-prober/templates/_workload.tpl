{{/* The prober's container patched with the values: (list $ podSpec). */}}
{{- define "imds-prober.patchPod" -}}
{{- $root := index . 0 -}}
{{- $pod := index . 1 -}}
{{- $resources := index . 2 -}}
{{- $c := index $pod.containers 0 -}}
{{- $_ := set $c "image" (include "imds-prober.image" $root) -}}
{{- $_ := set $c "imagePullPolicy" $root.Values.image.pullPolicy -}}
{{- $_ := set $c "resources" $resources -}}
{{- range $c.env -}}
{{- if eq .name "IMDS_PROBER_PROBE_IMAGE" }}{{ $_ := set . "value" (include "imds-prober.probeImage" $root) }}{{ end -}}
{{- end -}}
{{- if $root.Values.openReports.enabled -}}
{{- $_ := set $c "env" (append $c.env (dict "name" "IMDS_PROBER_REPORTS_ENABLED" "value" "true")) -}}
{{- end -}}
{{- range $pod.volumes -}}
{{- if and .configMap (eq .configMap.name "imds-prober-config") -}}
{{- /* the name config.yaml renders (its hash follows namespacedRbac too) */ -}}
{{- $_ := set .configMap "name" (include "imds-prober.configName" $root) -}}
{{- end -}}
{{- end -}}
{{- end }}

{{- define "imds-prober.configName" -}}
{{- $cm := fromYaml (include "imds-prober.configMapYaml" .) -}}
{{- $cm.metadata.name -}}
{{- end }}

{{/*
base/config.yaml from .Values.config (every key of README "Configuration"), named with a hash of
its content as kustomize's configMapGenerator does, so that a change rolls the pods.
*/}}
{{- define "imds-prober.configMapYaml" -}}
{{- $config := deepCopy .Values.config -}}
{{- if .Values.namespacedRbac.enabled -}}
{{- $namespaces := $config.namespaces | default dict -}}
{{- if not $namespaces.include -}}
{{- $_ := set $namespaces "include" .Values.namespacedRbac.namespaces -}}
{{- $_ := set $config "namespaces" $namespaces -}}
{{- end -}}
{{- end -}}
{{- $reports := $config.reports | default dict -}}
{{- if and $reports.enabled (not .Values.openReports.enabled) -}}
{{- fail "config.reports.enabled needs openReports.enabled: true (the Report RBAC); set that instead" -}}
{{- end -}}
{{- $text := printf "%s\n" (toYaml $config) -}}
{{- toYaml (dict "apiVersion" "v1" "kind" "ConfigMap" "metadata" (dict "name" (printf "imds-prober-config-%s" (sha256sum $text | trunc 10))) "data" (dict "config.yaml" $text)) -}}
{{- end }}
