{{/* Labels every object of the chart carries. */}}
{{- define "aar.labels" -}}
app.kubernetes.io/part-of: aar
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}

{{/* The app image, tag defaulting to appVersion. */}}
{{- define "aar.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/* The Secret the processes read their secrets from. */}}
{{- define "aar.secretName" -}}
{{- if .Values.secrets.create }}{{ .Release.Name }}-secrets{{ else }}{{ required "secrets.existingSecret is required when secrets.create is false" .Values.secrets.existingSecret }}{{ end }}
{{- end }}

{{/* The Secret of the owner database URLs, read only by the migration Job. */}}
{{- define "aar.migrateSecretName" -}}
{{- if .Values.secrets.create }}{{ .Release.Name }}-migrate-secrets{{ else }}{{ .Values.migrations.existingSecret | default "aar-migrate-secrets" }}{{ end }}
{{- end }}

{{/* Restricted-profile security of every AAR pod and container. */}}
{{- define "aar.podSecurity" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
seccompProfile:
  type: RuntimeDefault
{{- end }}
{{- define "aar.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end }}

{{/* The trainer pods' node selector as key=value,... for AAR_K8S_NODE_SELECTOR. */}}
{{- define "aar.trainerNodeSelector" -}}
{{- $selector := deepCopy .Values.trainer.nodeSelector -}}
{{- if .Values.trainer.gpu.type }}{{ $_ := set $selector "nvidia.com/gpu.product" .Values.trainer.gpu.type }}{{ end -}}
{{- $pairs := list -}}
{{- range $k, $v := $selector }}{{ $pairs = append $pairs (printf "%s=%s" $k $v) }}{{ end -}}
{{- join "," $pairs -}}
{{- end }}
