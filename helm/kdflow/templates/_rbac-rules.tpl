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
  resources: ["configmaps", "persistentvolumeclaims"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
# Pods are only read: exit codes, termination messages and pod IPs of training pods.
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["", "events.k8s.io"]
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

{{/* The start-up check that the KDExperiment CRD is installed (cluster-wide mode only). */}}
{{- define "kdflow.rbac.crdCheckRules" -}}
- apiGroups: ["apiextensions.k8s.io"]
  resources: ["customresourcedefinitions"]
  verbs: ["get", "list"]
{{- end -}}
