{{/*
The one place that lists what the operator may do. Only verbs the operator uses: HelmChartIT
asserts these exact rules for both RBAC modes, and ChartOnApiServerIT runs the operator as the
chart's ServiceAccount on a real API server and checks every verb here is used and none refused.
The operator reads through informers (list, watch) and writes children and status with
server-side apply (patch; create when the object is new). Two reads go to the API server: get of
a child's name the cache lacks (an unmanaged object may hold it) and list of a Job's FailedCreate
events.
*/}}

{{/* Rules in every namespace the operator watches (ClusterRole or one Role per namespace). */}}
{{- define "kdflow.rbac.watchedNamespaceRules" -}}
- apiGroups: ["kdflow.dev"]
  resources: ["kdexperiments"]
  verbs: ["list", "watch"]
- apiGroups: ["kdflow.dev"]
  resources: ["kdexperiments/status"]
  verbs: ["patch"]
# Children carry a controller owner reference with blockOwnerDeletion, which the
# OwnerReferencesPermissionEnforcement admission plugin (OpenShift) allows only with this.
- apiGroups: ["kdflow.dev"]
  resources: ["kdexperiments/finalizers"]
  verbs: ["update"]
# JOSDK writes ConfigMaps without server-side apply: create, then update (a ConfigMap left from an
# earlier attempt is replaced). get: who holds the name when the cache has no such ConfigMap.
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list", "watch", "create", "update", "delete"]
# Checkpoint claims are created, never deleted or rewritten by the operator. get: claims the spec
# names (existingClaim, podTemplate volumes) must exist before the Job is created; they are the
# user's, outside the operator's label-filtered cache.
- apiGroups: [""]
  resources: ["persistentvolumeclaims"]
  verbs: ["get", "list", "watch", "create", "patch"]
# Pods are only read: exit codes, termination messages and pod IPs of training pods.
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["list", "watch"]
# Every event has a name of its own: created, never patched. list: the Job controller's
# FailedCreate events (pods it cannot create, e.g. a pod quota) reach the experiment's status.
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "list"]
# update: suspend and resume change the existing Job. get: who holds the name when the cache has
# no such Job.
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
{{- if .Values.kueue.enabled }}
# With Kueue: a user's suspend of a queued experiment deactivates its Workload.
- apiGroups: ["kueue.x-k8s.io"]
  resources: ["workloads"]
  verbs: ["list", "patch"]
{{- end }}
{{- end -}}

{{/* Leader election, in the release namespace only. */}}
{{- define "kdflow.rbac.leaderElectionRules" -}}
# The lease is read, created and renewed (patch); JOSDK also refuses to start leader election
# unless the account may get, create and update leases (a SelfSubjectRulesReview at start-up).
- apiGroups: ["coordination.k8s.io"]
  resources: ["leases"]
  verbs: ["get", "create", "update", "patch"]
{{- end -}}

