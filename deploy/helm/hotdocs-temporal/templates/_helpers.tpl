{{/* Names, labels and the pieces every pod shares. */}}

{{- define "hotdocs.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "hotdocs.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* "<fullname>-<suffix>", at most 63 characters (a label value and a DNS label). */}}
{{- define "hotdocs.componentName" -}}
{{- printf "%s-%s" (include "hotdocs.fullname" .root) .suffix | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "hotdocs.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hotdocs.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "hotdocs.labels" -}}
{{ include "hotdocs.selectorLabels" . }}
app.kubernetes.io/part-of: {{ include "hotdocs.name" .root }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "hotdocs.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "hotdocs.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The image reference for a tag (and digest): repository:tag or repository@digest. */}}
{{- define "hotdocs.image" -}}
{{- if .digest }}
{{- printf "%s@%s" .root.Values.image.repository .digest }}
{{- else }}
{{- printf "%s:%s" .root.Values.image.repository .tag }}
{{- end }}
{{- end }}

{{/* An application secret: its Secret's name (secrets.existingSecret unless the entry names one). */}}
{{- define "hotdocs.secretName" -}}
{{- $entry := index .root.Values.secrets .secret }}
{{- default .root.Values.secrets.existingSecret $entry.secretName }}
{{- end }}

{{/* Where a mounted application secret is read: /run/secrets/hotdocs/<key>, as compose mounts them. */}}
{{- define "hotdocs.secretPath" -}}
{{- printf "/run/secrets/hotdocs/%s" (index .root.Values.secrets .secret).key }}
{{- end }}

{{/* One projected-volume source for an application secret. */}}
{{- define "hotdocs.secretSource" -}}
{{- $entry := index .root.Values.secrets .secret -}}
- secret:
    name: {{ include "hotdocs.secretName" . }}
    items:
      - key: {{ $entry.key }}
        path: {{ $entry.key }}
{{- end }}

{{/* The WORKER_SHUTDOWN_GRACE_TIME-derived grace period: never shorter than the drain. */}}
{{- define "hotdocs.workerTerminationGrace" -}}
{{- add .Values.worker.shutdownGraceSeconds .Values.worker.terminationMarginSeconds }}
{{- end }}

{{/*
The variables of a Temporal client (worker, gateway): address, namespace, task queue, TLS and
payload encryption. `cert` is the component's client certificate Secret.
*/}}
{{- define "hotdocs.temporalClientEnv" -}}
{{- $t := .root.Values.temporal -}}
- name: TEMPORAL_ADDRESS
  value: {{ required "temporal.address is required" $t.address | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ $t.namespace | quote }}
- name: TEMPORAL_TASK_QUEUE
  value: {{ $t.taskQueue | quote }}
{{- if $t.tls.enabled }}
- name: TEMPORAL_TLS
  value: "true"
{{- with $t.tls.serverName }}
- name: TEMPORAL_TLS_SERVER_NAME
  value: {{ . | quote }}
{{- end }}
{{- if $t.tls.serverCa.enabled }}
- name: TEMPORAL_TLS_SERVER_CA_CERT_PATH
  value: /run/secrets/temporal-tls/ca.crt
{{- end }}
{{- if .cert }}
- name: TEMPORAL_TLS_CLIENT_CERT_PATH
  value: /run/secrets/temporal-tls/tls.crt
- name: TEMPORAL_TLS_CLIENT_KEY_PATH
  value: /run/secrets/temporal-tls/tls.key
{{- end }}
{{- end }}
{{- if $t.apiKey.secretName }}
- name: TEMPORAL_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $t.apiKey.secretName }}
      key: {{ $t.apiKey.key }}
{{- end }}
{{- if .root.Values.payloadEncryption.enabled }}
- name: PAYLOAD_ENCRYPTION_KEYS_FILE
  value: {{ include "hotdocs.secretPath" (dict "root" .root "secret" "payloadEncryptionKeys") }}
{{- end }}
- name: PAYLOAD_ENCRYPTION_REQUIRED
  value: {{ .root.Values.payloadEncryption.required | quote }}
- name: GATEWAY_PUBLIC_URL
  value: {{ .root.Values.gateway.publicUrl | quote }}
{{- end }}

{{/* The TLS files of a Temporal client, as projected-volume sources (none without temporal.tls.enabled). */}}
{{- define "hotdocs.temporalTlsSources" -}}
{{- $tls := .root.Values.temporal.tls }}
{{- if $tls.enabled }}
{{- if .cert }}
- secret:
    name: {{ .cert }}
    items:
      - key: tls.crt
        path: tls.crt
      - key: tls.key
        path: tls.key
{{- end }}
{{- if $tls.serverCa.enabled }}
{{- $caSecret := default .cert $tls.serverCa.secretName }}
{{- if not $caSecret }}
{{- fail "temporal.tls.serverCa needs secretName when the component has no client certificate Secret (or serverCa.enabled: false for the system's roots)" }}
{{- end }}
- secret:
    name: {{ $caSecret }}
    items:
      - key: {{ $tls.serverCa.key }}
        path: ca.crt
{{- end }}
{{- end }}
{{- end }}

{{/* The temporal-tls volume and its mount, given hotdocs.temporalTlsSources' output (none when it is empty). */}}
{{- define "hotdocs.temporalTlsVolume" -}}
{{- with . }}
- name: temporal-tls
  projected:
    defaultMode: 0440
    sources:
      {{- . | nindent 6 }}
{{- end }}
{{- end }}

{{- define "hotdocs.temporalTlsMount" -}}
{{- if . }}
- name: temporal-tls
  mountPath: /run/secrets/temporal-tls
  readOnly: true
{{- end }}
{{- end }}

{{/*
The document store's credential for a component: the worker's, or for the gateway (`gateway` true)
its own read-only one when documentStore.s3.gatewayAccessKeyId / azureBlob.gatewayCredential is
set. Returns the S3 access key id and the names of the secrets entries to use.
*/}}
{{- define "hotdocs.documentStoreCredential" -}}
{{- $store := .root.Values.documentStore -}}
{{- if and .gateway $store.s3.gatewayAccessKeyId -}}
{{- dict "accessKeyId" $store.s3.gatewayAccessKeyId "s3Secret" "documentStoreGatewayS3SecretAccessKey" "azureConnectionString" "documentStoreAzureConnectionString" "azureAccountKey" "documentStoreAzureAccountKey" | toJson }}
{{- else if and .gateway $store.azureBlob.gatewayCredential -}}
{{- dict "accessKeyId" $store.s3.accessKeyId "s3Secret" "documentStoreS3SecretAccessKey" "azureConnectionString" "documentStoreGatewayAzureConnectionString" "azureAccountKey" "documentStoreGatewayAzureAccountKey" | toJson }}
{{- else -}}
{{- dict "accessKeyId" $store.s3.accessKeyId "s3Secret" "documentStoreS3SecretAccessKey" "azureConnectionString" "documentStoreAzureConnectionString" "azureAccountKey" "documentStoreAzureAccountKey" | toJson }}
{{- end }}
{{- end }}

{{/* The document store's variables (worker and gateway read the same store); `gateway` as above. */}}
{{- define "hotdocs.documentStoreEnv" -}}
{{- $root := .root -}}
{{- $store := $root.Values.documentStore -}}
{{- $credential := include "hotdocs.documentStoreCredential" . | fromJson -}}
- name: DOCUMENT_STORE
  value: {{ $store.kind | quote }}
{{- if eq $store.kind "s3" }}
{{- $s3 := $store.s3 }}
- name: DOCUMENT_STORE_S3_BUCKET
  value: {{ required "documentStore.s3.bucket is required" $s3.bucket | quote }}
{{- range $name, $value := dict "PREFIX" $s3.prefix "REGION" $s3.region "ENDPOINT" $s3.endpoint "SSE" $s3.sse "SSE_KMS_KEY_ID" $s3.sseKmsKeyId "PUBLIC_ENDPOINT" $s3.publicEndpoint "ACCESS_KEY_ID" $credential.accessKeyId }}
{{- if $value }}
- name: DOCUMENT_STORE_S3_{{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end }}
- name: DOCUMENT_STORE_S3_FORCE_PATH_STYLE
  value: {{ $s3.forcePathStyle | quote }}
{{- if $credential.accessKeyId }}
- name: DOCUMENT_STORE_S3_SECRET_ACCESS_KEY_FILE
  value: {{ include "hotdocs.secretPath" (dict "root" $root "secret" $credential.s3Secret) }}
{{- end }}
{{- else if eq $store.kind "azure-blob" }}
{{- $azure := $store.azureBlob }}
- name: DOCUMENT_STORE_AZURE_CONTAINER
  value: {{ required "documentStore.azureBlob.container is required" $azure.container | quote }}
{{- range $name, $value := dict "PREFIX" $azure.prefix "ACCOUNT_URL" $azure.accountUrl "ENCRYPTION_SCOPE" $azure.encryptionScope "PUBLIC_URL" $azure.publicUrl }}
{{- if $value }}
- name: DOCUMENT_STORE_AZURE_{{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end }}
{{- if not $azure.accountUrl }}
- name: DOCUMENT_STORE_AZURE_CONNECTION_STRING_FILE
  value: {{ include "hotdocs.secretPath" (dict "root" $root "secret" $credential.azureConnectionString) }}
{{- else if $azure.useAccountKey }}
- name: DOCUMENT_STORE_AZURE_ACCOUNT_KEY_FILE
  value: {{ include "hotdocs.secretPath" (dict "root" $root "secret" $credential.azureAccountKey) }}
{{- end }}
{{- else }}
- name: DOCUMENT_STORE_DIR
  value: /data/documents
{{- end }}
{{- end }}

{{/* The document store's secrets, as projected-volume sources; `gateway` as above. */}}
{{- define "hotdocs.documentStoreSources" -}}
{{- $root := .root }}
{{- $store := $root.Values.documentStore }}
{{- $credential := include "hotdocs.documentStoreCredential" . | fromJson }}
{{- if and (eq $store.kind "s3") $credential.accessKeyId }}
{{ include "hotdocs.secretSource" (dict "root" $root "secret" $credential.s3Secret) }}
{{- else if and (eq $store.kind "azure-blob") (not $store.azureBlob.accountUrl) }}
{{ include "hotdocs.secretSource" (dict "root" $root "secret" $credential.azureConnectionString) }}
{{- else if and (eq $store.kind "azure-blob") $store.azureBlob.useAccountKey }}
{{ include "hotdocs.secretSource" (dict "root" $root "secret" $credential.azureAccountKey) }}
{{- end }}
{{- end }}

{{/* The filesystem store's shared claim. */}}
{{- define "hotdocs.documentStoreVolume" -}}
{{- if eq .Values.documentStore.kind "filesystem" }}
- name: documents
  persistentVolumeClaim:
    claimName: {{ required "documentStore.filesystem.existingClaim is required with documentStore.kind filesystem" .Values.documentStore.filesystem.existingClaim }}
{{- end }}
{{- end }}

{{- define "hotdocs.documentStoreMount" -}}
{{- if eq .Values.documentStore.kind "filesystem" }}
- name: documents
  mountPath: /data/documents
{{- end }}
{{- end }}

{{/* Tracing (OTEL_*): only what is set; the service name tells worker from gateway. */}}
{{- define "hotdocs.tracingEnv" -}}
{{- $tracing := .root.Values.tracing -}}
- name: OTEL_SERVICE_NAME
  value: {{ .serviceName }}
{{- range $name, $value := dict "OTEL_EXPORTER_OTLP_ENDPOINT" $tracing.otlpEndpoint "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" $tracing.otlpTracesEndpoint "OTEL_EXPORTER_OTLP_PROTOCOL" $tracing.protocol "OTEL_TRACES_EXPORTER" $tracing.exporter "OTEL_TRACES_SAMPLER" $tracing.sampler "OTEL_TRACES_SAMPLER_ARG" (toString $tracing.samplerArg) }}
{{- if $value }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/* The operator's own variables of a component (values <component>.env; the schema names them). */}}
{{- define "hotdocs.extraEnv" -}}
{{- range $name, $value := . }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end }}

{{/* Writable scratch space: the root file system is read-only. */}}
{{- define "hotdocs.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- end }}

{{/* Scheduling and pod-level settings shared by the three Deployments. */}}
{{- define "hotdocs.podCommon" -}}
{{- $component := .component -}}
serviceAccountName: {{ include "hotdocs.serviceAccountName" .root }}
automountServiceAccountToken: false
enableServiceLinks: false
securityContext:
  {{- toYaml .root.Values.podSecurityContext | nindent 2 }}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $component.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $component.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $component.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $component.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* An optional block: the named template's output indented by n, or nothing at all. */}}
{{- define "hotdocs.indent" -}}
{{- $out := include .name .ctx | trim }}
{{- if $out }}
{{- $out | nindent .n }}
{{- end }}
{{- end }}
