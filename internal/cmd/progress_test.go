package cmd

import (
	"bytes"
	"testing"
)

func TestProgressDraw(t *testing.T) {
	var buf bytes.Buffer
	p := &progress{w: &buf}
	p.setTotal(4)
	p.step()
	p.draw()
	if got, want := buf.String(), "\r[#######.......................] 1/4 objects"; got != want {
		t.Errorf("bar %q, want %q", got, want)
	}
	buf.Reset()
	c := &progress{w: &buf, label: "listing prod"}
	c.set(1200)
	c.draw()
	if got, want := buf.String(), "\rlisting prod: 1200 objects"; got != want {
		t.Errorf("counter %q, want %q", got, want)
	}
	buf.Reset()
	img := &progress{w: &buf, label: "scanning images", unit: "images"}
	img.draw()
	img.setTotal(3)
	img.set(3)
	img.draw()
	if got, want := buf.String(), "\rscanning images: 0 images\r[##############################] 3/3 images"; got != want {
		t.Errorf("image progress %q, want %q", got, want)
	}
}

// TestProgressOnlyOnATerminal checks that nothing is drawn on a pipe or file.
func TestProgressOnlyOnATerminal(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, 10)
	c := newCounter(&buf, "listing")
	if p.stop != nil || c.stop != nil {
		t.Error("progress started on a writer that is not a terminal")
	}
	p.step()
	c.set(3)
	p.finish()
	c.finish()
	if buf.Len() != 0 {
		t.Errorf("wrote %q to a writer that is not a terminal", buf.String())
	}
}
