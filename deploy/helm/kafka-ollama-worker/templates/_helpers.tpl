{{- define "kow.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "kow.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "kow.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "kow.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "kow.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kow.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "kow.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "kow.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "kow.sasl" -}}
{{- or (eq .Values.kafka.securityProtocol "SASL_SSL") (eq .Values.kafka.securityProtocol "SASL_PLAINTEXT") -}}
{{- end -}}

{{- define "kow.tls" -}}
{{- or (eq .Values.kafka.securityProtocol "SSL") (eq .Values.kafka.securityProtocol "SASL_SSL") -}}
{{- end -}}

{{- /* TLS to Kafka with a trust store from a Secret; without one the JVM's CA certificates verify the brokers */ -}}
{{- define "kow.tlsSecret" -}}
{{- and (eq (include "kow.tls" .) "true") (ne .Values.kafka.tls.existingSecret "") -}}
{{- end -}}

{{- /* image.repository has no default (values.schema.json refuses it empty): deploy/README.md says how to build and push it */ -}}
{{- define "kow.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}
