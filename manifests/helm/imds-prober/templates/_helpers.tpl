{{/*
The chart renders the kustomize sources it carries in files/ (byte copies; HelmChartTest compares
them with manifests/ and grafana/), patching only the fields a value controls. Every object gets
the labels the kustomize components give (name, part-of) and Helm's own.
*/}}

{{- define "imds-prober.namespace" -}}imds-prober{{- end }}

{{- define "imds-prober.labels" -}}
app.kubernetes.io/name: imds-prober
app.kubernetes.io/part-of: imds-prober
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}

{{/* The prober's image: REPOSITORY@DIGEST when a digest is set, else REPOSITORY:TAG. */}}
{{- define "imds-prober.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}
{{- end }}

{{/* The probe pods' image: config.probe.image, else the prober's own. */}}
{{- define "imds-prober.probeImage" -}}
{{- $probe := .Values.config.probe | default dict -}}
{{- $probe.image | default (include "imds-prober.image" .) -}}
{{- end }}

{{/* A config key's value, or its default: (list $ "section" "key" default). */}}
{{- define "imds-prober.key" -}}
{{- $root := index . 0 -}}
{{- $section := index $root.Values.config (index . 1) | default dict -}}
{{- $value := index $section (index . 2) -}}
{{- if kindIs "invalid" $value -}}{{ index . 3 | toJson }}{{- else -}}{{ $value | toJson }}{{- end -}}
{{- end }}

{{/* A duration in the prober's shortest exact form (Durations.format): 60s is 1m, 1500ms stays. */}}
{{- define "imds-prober.duration" -}}
{{- $n := regexFind "^[0-9]+" . | int64 -}}
{{- $unit := trimPrefix (toString $n) . -}}
{{- $ms := $n -}}
{{- if eq $unit "s" }}{{ $ms = mul $n 1000 }}{{ else if eq $unit "m" }}{{ $ms = mul $n 60000 }}{{ else if eq $unit "h" }}{{ $ms = mul $n 3600000 }}{{ end -}}
{{- if and (gt $ms 0) (eq (mod $ms 3600000) 0) -}}{{ div $ms 3600000 }}h
{{- else if and (gt $ms 0) (eq (mod $ms 60000) 0) -}}{{ div $ms 60000 }}m
{{- else if eq (mod $ms 1000) 0 -}}{{ div $ms 1000 }}s
{{- else -}}{{ $ms }}ms
{{- end -}}
{{- end }}

{{/*
One object of a carried file, as kustomize renders it into the namespace imds-prober: the
components' labels (and Helm's), the namespace on namespaced kinds, the ServiceAccount subjects
and parameter references in imds-prober. (list $ object)
*/}}
{{- define "imds-prober.object" -}}
{{- $root := index . 0 -}}
{{- $o := index . 1 -}}
{{- $ns := include "imds-prober.namespace" $root -}}
{{- $meta := $o.metadata -}}
{{- $_ := set $meta "labels" (merge (fromYaml (include "imds-prober.labels" $root)) ($meta.labels | default dict)) -}}
{{- if has $o.kind (list "Namespace" "ClusterRole" "ClusterRoleBinding" "ValidatingAdmissionPolicy" "ValidatingAdmissionPolicyBinding") -}}
{{- $_ := unset $meta "namespace" -}}
{{- else if not $meta.namespace -}}
{{- $_ := set $meta "namespace" $ns -}}
{{- end -}}
{{- range ($o.subjects | default list) -}}
{{- if eq .kind "ServiceAccount" }}{{ $_ := set . "namespace" $ns }}{{ end -}}
{{- end -}}
{{- if and $o.spec (kindIs "map" $o.spec) $o.spec.paramRef -}}
{{- $_ := set $o.spec.paramRef "namespace" $ns -}}
{{- end }}
---
{{ toYaml $o }}
{{- end }}

{{/* The objects of a carried file: (list $ "path below files/" [Kind/name to leave out]). */}}
{{- define "imds-prober.file" -}}
{{- $root := index . 0 -}}
{{- $path := printf "files/%s" (index . 1) -}}
{{- $skip := list -}}
{{- if gt (len .) 2 }}{{ $skip = index . 2 }}{{ end -}}
{{- $text := $root.Files.Get $path -}}
{{- if not $text }}{{ fail (printf "the chart carries no %s: run manifests/helm/sync-files.sh" $path) }}{{ end -}}
{{- range $doc := regexSplit "(?m)^---\\s*$" $text -1 -}}
{{- $o := fromYaml $doc -}}
{{- if and $o (not (has (printf "%s/%s" $o.kind $o.metadata.name) $skip)) }}
{{ include "imds-prober.object" (list $root $o) }}
{{- end -}}
{{- end -}}
{{- end }}

{{/* The first object of a carried file, parsed, to patch before rendering. */}}
{{- define "imds-prober.load" -}}
{{- $root := index . 0 -}}
{{- $path := printf "files/%s" (index . 1) -}}
{{- $text := $root.Files.Get $path -}}
{{- if not $text }}{{ fail (printf "the chart carries no %s: run manifests/helm/sync-files.sh" $path) }}{{ end -}}
{{- toYaml (fromYaml $text) -}}
{{- end }}
