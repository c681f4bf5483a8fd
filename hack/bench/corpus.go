package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// writeCorpus writes n objects into files of perFile objects each, one
// namespace per file, and returns the number of files. The mix is that of a
// real cluster: mostly workloads (half hardened, half not), with their
// Services, ServiceAccounts and ConfigMaps, NetworkPolicies in some
// namespaces, and RBAC.
func writeCorpus(dir string, n, perFile int) (int, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	files := 0
	for written := 0; written < n; files++ {
		var b strings.Builder
		ns := fmt.Sprintf("team-%04d", files)
		for i := 0; i < perFile && written < n; i++ {
			if i > 0 {
				b.WriteString("---\n")
			}
			b.WriteString(object(ns, written, i))
			written++
		}
		path := filepath.Join(dir, fmt.Sprintf("ns-%04d.yaml", files))
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			return 0, err
		}
	}
	return files, nil
}

var workloadKinds = []string{"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod", "ReplicaSet", "Deployment"}

// object returns the i-th object of a namespace; seq numbers objects overall.
func object(ns string, seq, i int) string {
	name := fmt.Sprintf("app-%d", seq)
	switch i % 10 {
	case 0, 1, 2, 3, 4, 5:
		return workload(workloadKinds[seq%len(workloadKinds)], ns, name, seq%2 == 0)
	case 6:
		return fmt.Sprintf(`apiVersion: v1
kind: Service
metadata:
  name: %s
  namespace: %s
spec:
  type: %s
  selector:
    app: %s
  ports:
    - port: 80
      targetPort: 8080
`, name, ns, []string{"ClusterIP", "LoadBalancer", "NodePort"}[seq%3], name)
	case 7:
		if seq%3 == 0 {
			return fmt.Sprintf(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-%d
  namespace: %s
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
`, seq, ns)
		}
		return fmt.Sprintf(`apiVersion: v1
kind: ConfigMap
metadata:
  name: %s-config
  namespace: %s
data:
  LOG_LEVEL: debug
  db_password: not-a-real-password-%d
`, name, ns, seq)
	case 8:
		return fmt.Sprintf(`apiVersion: v1
kind: ServiceAccount
metadata:
  name: %s
  namespace: %s
automountServiceAccountToken: %t
`, name, ns, seq%2 == 0)
	default:
		if seq%2 == 0 {
			return fmt.Sprintf(`apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: %s-reader
  namespace: %s
rules:
  - apiGroups: [""]
    resources: [pods, secrets, pods/exec]
    verbs: [get, list, create]
`, name, ns)
		}
		return fmt.Sprintf(`apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: %s
  namespace: %s
subjects:
  - kind: ServiceAccount
    name: %s
    namespace: %s
  - kind: Group
    name: developers
    apiGroup: rbac.authorization.k8s.io
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: %s
  name: %s
`, name, ns, name, ns, []string{"Role", "ClusterRole"}[seq%4/2], []string{fmt.Sprintf("app-%d-reader", seq-1), "cluster-admin"}[seq%4/2])
	}
}

// workload returns a workload of the kind; hardened ones pass most controls.
func workload(kind, ns, name string, hardened bool) string {
	podSpec := insecurePod(name)
	if hardened {
		podSpec = hardenedPod(name)
	}
	var head, indent string
	switch kind {
	case "Pod":
		return fmt.Sprintf("apiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\n  namespace: %s\n  labels:\n    app: %s\nspec:\n%s", name, ns, name, indentLines(podSpec, "  "))
	case "CronJob":
		head = fmt.Sprintf("apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n  schedule: \"0 * * * *\"\n  jobTemplate:\n    spec:\n      template:\n        metadata:\n          labels:\n            app: %s\n        spec:\n", name, ns, name)
		indent = "          "
		podSpec = "restartPolicy: OnFailure\n" + podSpec
	case "Job":
		head = fmt.Sprintf("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n  template:\n    metadata:\n      labels:\n        app: %s\n    spec:\n", name, ns, name)
		indent = "      "
		podSpec = "restartPolicy: Never\n" + podSpec
	default:
		api := "apps/v1"
		head = fmt.Sprintf("apiVersion: %s\nkind: %s\nmetadata:\n  name: %s\n  namespace: %s\n  labels:\n    app: %s\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: %s\n  template:\n    metadata:\n      labels:\n        app: %s\n    spec:\n", api, kind, name, ns, name, name, name)
		indent = "      "
	}
	return head + indentLines(podSpec, indent)
}

func hardenedPod(name string) string {
	return fmt.Sprintf(`serviceAccountName: %s
automountServiceAccountToken: false
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  seccompProfile:
    type: RuntimeDefault
containers:
  - name: app
    image: registry.example.com/team/%s:1.4.2
    imagePullPolicy: IfNotPresent
    ports:
      - containerPort: 8080
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities:
        drop: [ALL]
    resources:
      requests: {cpu: 100m, memory: 128Mi}
      limits: {cpu: 500m, memory: 256Mi}
    readinessProbe:
      httpGet: {path: /healthz, port: 8080}
`, name, name)
}

func insecurePod(name string) string {
	return fmt.Sprintf(`hostNetwork: true
initContainers:
  - name: setup
    image: busybox
    command: [sh, -c, "sysctl -w net.core.somaxconn=1024"]
    securityContext:
      privileged: true
containers:
  - name: app
    image: docker.io/library/%s:latest
    env:
      - name: API_TOKEN
        value: tok-%s-0123456789
      - name: MODE
        value: production
    ports:
      - containerPort: 8080
        hostPort: 8080
    securityContext:
      capabilities:
        add: [NET_ADMIN, SYS_PTRACE]
    volumeMounts:
      - name: host
        mountPath: /host
volumes:
  - name: host
    hostPath:
      path: /
`, "nginx", name)
}

func indentLines(s, indent string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = indent + l
	}
	return strings.Join(lines, "\n") + "\n"
}
