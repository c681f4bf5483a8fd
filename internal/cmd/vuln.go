package cmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"kubescape.io/kubescape/internal/image"
)

// VulnDBOptions are the options of the vuln db commands.
type VulnDBOptions struct {
	DBDir  string
	MaxAge string
	URL    string
	Output string

	// Set by Complete.
	action string
	file   string
	maxAge time.Duration
	now    time.Time

	genericiooptions.IOStreams
}

// NewCmdVuln builds the vuln command and its db subcommands.
func NewCmdVuln(streams genericiooptions.IOStreams) *cobra.Command {
	vuln := &cobra.Command{
		Use:   "vuln",
		Short: "Manage the vulnerability database that image scans match against",
		Long: `Image scans ('kubectl kubescape scan image') match packages against a local
vulnerability database (Grype's schema v6) and never download one themselves.
'vuln db update' is the only command that fetches a database; 'vuln db import'
installs an archive copied by hand, for air-gapped machines.`,
		Example: `  # Fetch the newest database, then see what is installed
  kubectl kubescape vuln db update
  kubectl kubescape vuln db status`,
	}
	db := &cobra.Command{
		Use:   "db",
		Short: "Show, import or update the vulnerability database",
		Example: `  # Is the database usable? (exit 1 when stale)
  kubectl kubescape vuln db status

  # Air-gapped: install an archive copied from a connected machine
  kubectl kubescape vuln db import vulnerability-db_v6.1.4_2026-11-25T06:00:00Z.tar.zst`,
	}
	o := &VulnDBOptions{IOStreams: streams, DBDir: envOr(envDBDir, image.DefaultDBDir()), MaxAge: "5d", URL: envOr(envDBURL, image.DefaultListingURL)}
	run := func(action string) func(*cobra.Command, []string) error {
		return func(_ *cobra.Command, args []string) error {
			if err := o.Complete(action, args); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run()
		}
	}
	status := &cobra.Command{
		Use:   "status",
		Short: "Show the schema, build date, age and path of the database, and whether it is stale",
		Long: `Show the installed vulnerability database: its path, schema, build date and
age, and where it came from. A database built longer ago than --max-age is
stale: scans refuse it.

Exit codes: 0 the database is usable, 1 it is stale, 4 there is none or it is
corrupt.`,
		Example: `  # Is the database usable?
  kubectl kubescape vuln db status

  # As JSON, with a 10-day limit
  kubectl kubescape vuln db status --max-age 10d -o json`,
		Args: cobra.NoArgs,
		RunE: run("status"),
	}
	status.Flags().StringVar(&o.MaxAge, "max-age", o.MaxAge, "a database built longer ago than this is stale (e.g. 5d, 36h)")
	status.Flags().StringVarP(&o.Output, "output", "o", "", "output format: '' (text) or json")
	imp := &cobra.Command{
		Use:   "import FILE",
		Short: "Install a database archive (tar.gz or tar.zst), replacing the current one; nothing is downloaded",
		Example: `  # On a machine with network access, fetch the archive named by the listing; then, air-gapped:
  kubectl kubescape vuln db import vulnerability-db_v6.1.4_2026-11-25T06:00:00Z.tar.zst`,
		Args: cobra.ExactArgs(1),
		RunE: run("import"),
	}
	update := &cobra.Command{
		Use:   "update",
		Short: "Download the newest database from the listing, if it is newer than the installed one",
		Long: `Read the database listing (Grype's format: <url>/v6/latest.json, or the URL of a
.json listing itself), and when it names a database newer than the installed
one, download it, check its checksum, and install it. This is the only command
that downloads a database.`,
		Example: `  # From Grype's public listing
  kubectl kubescape vuln db update

  # From a mirror
  kubectl kubescape vuln db update --url https://mirror.example.com/grype/databases`,
		Args: cobra.NoArgs,
		RunE: run("update"),
	}
	update.Flags().StringVar(&o.URL, "url", o.URL, "database listing URL (env "+envDBURL+")")
	db.PersistentFlags().StringVar(&o.DBDir, "db-dir", o.DBDir, "vulnerability database directory (env "+envDBDir+")")
	db.AddCommand(status, imp, update)
	vuln.AddCommand(db)
	return vuln
}

// Complete records the action and its argument.
func (o *VulnDBOptions) Complete(action string, args []string) error {
	o.action, o.now = action, time.Now()
	if len(args) > 0 {
		o.file = args[0]
	}
	var err error
	if o.maxAge, err = parseAge(o.MaxAge); err != nil {
		return usageError("--max-age %q: %w", o.MaxAge, err)
	}
	return nil
}

// Validate checks the options.
func (o *VulnDBOptions) Validate() error {
	if o.DBDir == "" {
		return usageError("--db-dir is empty")
	}
	if o.Output != "" && o.Output != "json" {
		return usageError("--output %q: want json or nothing", o.Output)
	}
	if o.action == "update" && o.URL == "" {
		return usageError("--url is empty")
	}
	return nil
}

// Run shows, imports or updates the database.
func (o *VulnDBOptions) Run() error {
	cfg := image.DBConfig{Dir: o.DBDir, MaxAge: o.maxAge, ListingURL: o.URL}
	switch o.action {
	case "import":
		st, err := image.ImportDB(cfg, o.file, o.now)
		if err != nil {
			if errors.Is(err, image.ErrBadInput) {
				return usageError("%w", err)
			}
			return withCode(ExitError, err)
		}
		fmt.Fprintf(o.Out, "Imported %s: schema %s, built %s.\n", o.file, st.Schema, st.Built.UTC().Format(time.RFC3339))
		o.warnStale(st)
		return nil
	case "update":
		updated, st, err := image.UpdateDB(cfg, o.now)
		if err != nil {
			return withCode(ExitError, err)
		}
		if updated {
			fmt.Fprintf(o.Out, "Updated the vulnerability database: schema %s, built %s, in %s.\n", st.Schema, st.Built.UTC().Format(time.RFC3339), st.Path)
		} else {
			fmt.Fprintf(o.Out, "The vulnerability database is up to date: schema %s, built %s.\n", st.Schema, st.Built.UTC().Format(time.RFC3339))
		}
		o.warnStale(st)
		return nil
	}
	st, err := image.ReadDBStatus(cfg, o.now)
	if err != nil {
		return withCode(ExitError, err)
	}
	if o.Output == "json" {
		if err := writeStatusJSON(o.Out, st); err != nil {
			return withCode(ExitError, err)
		}
	} else {
		writeStatus(o.Out, st)
	}
	if st.Stale {
		return &exitError{code: ExitThreshold, err: fmt.Errorf("the vulnerability database is stale; run 'kubectl kubescape vuln db update' or import a newer archive")}
	}
	return nil
}

// warnStale warns when the database just installed is already stale.
func (o *VulnDBOptions) warnStale(st image.DBStatus) {
	if st.Stale {
		fmt.Fprintf(o.ErrOut, "warning: this database was built %s ago, more than the %s scans allow (--max-db-age)\n", age(st.Age), age(st.MaxAge))
	}
}

func writeStatus(w io.Writer, st image.DBStatus) {
	state := "valid (built less than " + age(st.MaxAge) + " ago)"
	if st.Stale {
		state = "STALE: built more than " + age(st.MaxAge) + " ago; scans refuse it until 'kubectl kubescape vuln db update' or an import"
	}
	from := st.From
	if from == "" {
		from = "(unknown)"
	}
	fmt.Fprintf(w, "Path:    %s\nSchema:  %s\nBuilt:   %s (%s ago)\nFrom:    %s\nStatus:  %s\n",
		st.Path, st.Schema, st.Built.UTC().Format(time.RFC3339), age(st.Age), from, state)
}

func writeStatusJSON(w io.Writer, st image.DBStatus) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Path       string    `json:"path"`
		Schema     string    `json:"schema"`
		Built      time.Time `json:"built"`
		AgeSeconds int64     `json:"ageSeconds"`
		MaxAgeSecs int64     `json:"maxAgeSeconds"`
		Stale      bool      `json:"stale"`
		From       string    `json:"from,omitempty"`
	}{st.Path, st.Schema, st.Built.UTC(), int64(st.Age.Seconds()), int64(st.MaxAge.Seconds()), st.Stale, st.From})
}

// age writes a duration in days with one decimal, or hours under a day.
func age(d time.Duration) string {
	if d < 24*time.Hour {
		return fmt.Sprintf("%.1f hours", d.Hours())
	}
	return fmt.Sprintf("%.1f days", d.Hours()/24)
}
