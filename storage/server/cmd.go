package server

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	cliflag "k8s.io/component-base/cli/flag"
)

// NewServeCommand is the command of the kubescape-storage binary, which the
// in-cluster Deployment runs (and anyone can run as a local process).
func NewServeCommand(use string) *cobra.Command {
	o := NewOptions()
	var kubeconfig string
	cmd := &cobra.Command{
		Use:   use,
		Short: "Serve the results.kubescape.io API: an aggregated API server storing results in SQLite and files",
		Long: `Serves the results.kubescape.io/v1beta1 API (SBOMs, vulnerability manifests,
configuration scans, application profiles, network neighborhoods, seccomp
profiles, generated network policies, known servers, VEX documents and runtime
alerts) as a Kubernetes aggregated API server. The kube-apiserver proxies
requests to it through an APIService (see deploy/storage); authentication and
authorization are delegated back to the kube-apiserver (front-proxy client
certificates, TokenReview, SubjectAccessReview), so RBAC decides who may do
what, and nothing is readable anonymously.

Objects are kept in --data-dir: metadata and indexes in a SQLite database,
large payloads in files written atomically. See docs/storage-api.md.`,
		Example: `  # In a cluster (the Deployment of deploy/storage runs this)
  kubescape-storage --data-dir /data --secure-port 8443 \
    --tls-cert-file /certs/tls.crt --tls-private-key-file /certs/tls.key

  # As a local process, with the credentials of a kubeconfig
  kubescape-storage --kubeconfig ~/.kube/config \
    --data-dir ./storage-data --secure-port 8443 --bind-address 10.0.0.5`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(c *cobra.Command, _ []string) error {
			o.SetKubeconfig(kubeconfig)
			if err := o.Complete(); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(c.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return o.Run(ctx)
		},
	}
	fs := cmd.Flags()
	fs.SetNormalizeFunc(cliflag.WordSepNormalizeFunc)
	fs.StringVar(&kubeconfig, "kubeconfig", "", "Kubeconfig of the cluster whose API server delegates to this one (default: the in-cluster service account)")
	o.AddFlags(fs)
	cmd.SetContext(context.Background())
	return cmd
}
