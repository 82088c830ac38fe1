{{/*
The one place that lists what the operator may do. Only verbs the operator uses; a test asserts
these exact rules for both RBAC modes.
*/}}

{{/* Rules in every namespace the operator watches (ClusterRole or one Role per namespace). */}}
{{- define "kdflow.rbac.watchedNamespaceRules" -}}
- apiGroups: ["kdflow.dev"]
  resources: ["kdexperiments"]
  verbs: ["get", "list", "watch", "patch", "update"]
- apiGroups: ["kdflow.dev"]
  resources: ["kdexperiments/status"]
  verbs: ["get", "patch", "update"]
- apiGroups: ["kdflow.dev"]
  resources: ["kdexperiments/finalizers"]
  verbs: ["update"]
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
# Checkpoint claims are created, never deleted or rewritten by the operator.
- apiGroups: [""]
  resources: ["persistentvolumeclaims"]
  verbs: ["get", "list", "watch", "create", "update", "patch"]
# Pods are only read: exit codes, termination messages and pod IPs of training pods.
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
{{- end -}}

{{/* Leader election, in the release namespace only. */}}
{{- define "kdflow.rbac.leaderElectionRules" -}}
- apiGroups: ["coordination.k8s.io"]
  resources: ["leases"]
  verbs: ["get", "list", "watch", "create", "update", "patch"]
{{- end -}}

