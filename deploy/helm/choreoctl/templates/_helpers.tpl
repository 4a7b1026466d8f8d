{{/* The image reference: repository:tag, the tag defaulting to v<appVersion>. */}}
{{- define "choreoctl.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default (printf "v%s" .Chart.AppVersion) }}
{{- end -}}
