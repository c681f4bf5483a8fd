package cmd

import (
	"bytes"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

func genericStreams() genericiooptions.IOStreams {
	return genericiooptions.IOStreams{In: &bytes.Buffer{}, Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}
}
