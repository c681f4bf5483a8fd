package cmd

import (
	"strings"
	"testing"
)

func TestCompletion(t *testing.T) {
	for args, want := range map[string]string{
		"scan --format=sa":                  "sarif\n:6",
		"scan --format sarif,ju":            "sarif,junit\n:6",
		"scan framework ns":                 "nsa\n:6",
		"scan control C-005":                "C-0052\tInstance Metadata API\nC-0053\tAccess container service account\nC-0054\tCluster internal networking\nC-0055\tLinux hardening\nC-0056\tConfigured liveness probe\nC-0057\tPrivileged container\nC-0058\tCVE-2021-25741 - Using symlink for arbitrary host file system access.\nC-0059\tCVE-2021-25742-nginx-ingress-snippet-annotation-vulnerability\n:6",
		"scan f":                            "framework\tscan against frameworks\n:0",
		"scan image --severity-threshold n": "negligible\n:6",
		"scan --color ne":                   "never\n:6",
	} {
		out, _, code := run(t, "", append([]string{"__complete"}, strings.Fields(args)...)...)
		if code != 0 || !strings.HasPrefix(out, want+"\n") {
			t.Errorf("__complete %s: exit %d\n got %q\nwant %q", args, code, out, want)
		}
	}
}
