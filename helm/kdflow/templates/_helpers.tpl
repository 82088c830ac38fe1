{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "kdflow.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Full name of the release's objects: the release name when it already says kdflow. */}}
{{- define "kdflow.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "kdflow.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels that select the operator's pods; never change them after a release exists. */}}
{{- define "kdflow.selectorLabels" -}}
app.kubernetes.io/name: kdflow-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "kdflow.labels" -}}
helm.sh/chart: {{ include "kdflow.chart" . }}
{{ include "kdflow.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: kdflow
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "kdflow.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "kdflow.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "kdflow.operatorImage" -}}
{{- printf "%s:%s" .Values.operator.image.repository (default .Chart.AppVersion .Values.operator.image.tag) -}}
{{- end -}}

{{- define "kdflow.trainerImage" -}}
{{- printf "%s:%s" .Values.trainer.image.repository (default .Chart.AppVersion .Values.trainer.image.tag) -}}
{{- end -}}

{{/* Cluster-wide mode when no namespace is listed. */}}
{{- define "kdflow.clusterWide" -}}
{{- if empty .Values.watchNamespaces -}}true{{- end -}}
{{- end -}}
