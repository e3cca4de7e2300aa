{{/*
The worker builds that run: one unversioned Deployment, or with Worker Versioning the current build
plus the draining ones, each its own Deployment named after its build id. A YAML list of
{name, tag, digest, buildId, replicas, current}.
*/}}
{{- define "hotdocs.workerBuilds" -}}
{{- $v := .Values.worker.versioning }}
{{- if not $v.deploymentName }}
{{- if $v.drainingBuilds }}
{{- fail "worker.versioning.drainingBuilds needs worker.versioning.deploymentName" }}
{{- end }}
- name: {{ include "hotdocs.componentName" (dict "root" . "suffix" "worker") }}
  tag: {{ .Values.image.tag | quote }}
  digest: {{ .Values.image.digest | quote }}
  buildId: ""
  replicas: {{ .Values.worker.replicas }}
  current: true
{{- else }}
{{- $builds := list (dict "tag" .Values.image.tag "digest" .Values.image.digest "buildId" (default .Values.image.tag $v.buildId) "replicas" .Values.worker.replicas "current" true) }}
{{- range $v.drainingBuilds }}
{{- $builds = append $builds (dict "tag" .tag "digest" (default "" .digest) "buildId" (default .tag .buildId) "replicas" (default 1 .replicas) "current" false) }}
{{- end }}
{{- range $builds }}
{{- if has (lower .buildId) (list "local" "latest") }}
{{- fail (printf "worker build id %q is not one build: with worker.versioning, give every build its own image tag or set worker.versioning.buildId" .buildId) }}
{{- end }}
{{- $suffix := printf "worker-%s" (regexReplaceAll "[^a-z0-9-]+" (lower .buildId) "-" | trimAll "-") }}
- name: {{ include "hotdocs.componentName" (dict "root" $ "suffix" $suffix) }}
  tag: {{ .tag | quote }}
  digest: {{ .digest | quote }}
  buildId: {{ .buildId | quote }}
  replicas: {{ .replicas }}
  current: {{ .current }}
{{- end }}
{{- end }}
{{- end }}

{{/* The label that tells one versioned build's pods from another's: its Deployment's name. */}}
{{- define "hotdocs.workerBuildLabel" -}}
{{- if .build.buildId }}
hotdocs-temporal/worker-build: {{ .build.name }}
{{- end }}
{{- end }}

{{/* The worker's application secrets, as projected-volume sources (empty when it needs none). */}}
{{- define "hotdocs.workerSecretSources" -}}
{{- if .Values.payloadEncryption.enabled }}
{{ include "hotdocs.secretSource" (dict "root" . "secret" "payloadEncryptionKeys") }}
{{- end }}
{{- if not .Values.advance.tenancies.secretName }}
{{ include "hotdocs.secretSource" (dict "root" . "secret" "advancePrincipalPassword") }}
{{- end }}
{{- if .Values.advance.callbackUrl }}
{{ include "hotdocs.secretSource" (dict "root" . "secret" "advanceCallbackSecret") }}
{{- end }}
{{- if .Values.webhooks.reminderUrl }}
{{ include "hotdocs.secretSource" (dict "root" . "secret" "reminderWebhookSecret") }}
{{- end }}
{{- if .Values.webhooks.completionUrl }}
{{ include "hotdocs.secretSource" (dict "root" . "secret" "completionWebhookSecret") }}
{{- end }}
{{ include "hotdocs.documentStoreSources" (dict "root" . "gateway" false) }}
{{- end }}
