package result

import "testing"

func TestLines(t *testing.T) {
	r := ControlResult{Findings: []Finding{
		{FixPaths: []Fix{{Location: Location{Path: "a"}}}},
		{FailedPaths: []Location{{Path: "b"}, {Path: "c", Line: 7}}, FixPaths: []Fix{{Location: Location{Path: "d", Line: 3}}}},
	}}
	if got := r.Findings[1].Line(); got != 7 {
		t.Errorf("Line = %d, want the failed path's 7", got)
	}
	if got := r.PrimaryLine(); got != 7 {
		t.Errorf("PrimaryLine = %d, want 7", got)
	}
	if got := (ControlResult{}).PrimaryLine(); got != 0 {
		t.Errorf("PrimaryLine of no findings = %d", got)
	}
}

func TestCounts(t *testing.T) {
	var c Counts
	for _, s := range []Status{StatusPassed, StatusFailed, StatusExcepted, StatusSkipped, StatusPassed} {
		c.Add(s)
	}
	if c != (Counts{Passed: 2, Failed: 1, Skipped: 1, Excepted: 1}) || c.Evaluated() != 4 {
		t.Errorf("counts %+v, evaluated %d", c, c.Evaluated())
	}
	if SeverityCritical.Rank() <= SeverityHigh.Rank() || Severity("x").Rank() != 0 {
		t.Error("severity ranks out of order")
	}
}
