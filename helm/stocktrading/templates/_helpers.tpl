{{- define "stocktrading.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "stocktrading.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "stocktrading.secretName" -}}
{{- default (printf "%s-secrets" (include "stocktrading.fullname" .)) .Values.existingSecret -}}
{{- end -}}

{{/* The environment every process shares: the ConfigMap and the Secret. */}}
{{- define "stocktrading.env" -}}
envFrom:
  - configMapRef:
      name: {{ include "stocktrading.fullname" . }}-config
  - secretRef:
      name: {{ include "stocktrading.secretName" . }}
{{- end -}}

{{- define "stocktrading.modelVolume" -}}
volumes:
  - name: models
    persistentVolumeClaim:
      claimName: {{ include "stocktrading.fullname" . }}-models
{{- end -}}

{{- define "stocktrading.modelMount" -}}
volumeMounts:
  - name: models
    mountPath: /data/models
{{- end -}}
