package engine

import (
	"strconv"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// Rules format every finding's message with sprintf, about 25 calls per
// object. OPA's sprintf boxes each argument and runs fmt.Sprintf; the
// formats of the library are plain %s, %v, %d and %q of strings and
// integers, which sprintf formats here directly, giving the same text. Any
// other format (flags, widths, other verbs) or argument, or a count that
// does not match, goes to OPA's implementation.

// builtinFor is the implementation of a built-in function the plans call:
// topdown's, but for sprintf.
func builtinFor(name string) topdown.BuiltinFunc {
	td := topdown.GetBuiltin(name)
	if name == ast.Sprintf.Name && td != nil {
		return func(bctx topdown.BuiltinContext, operands []*ast.Term, iter func(*ast.Term) error) error {
			if s, ok := fastSprintf(operands); ok {
				return iter(ast.InternedTerm(s))
			}
			return td(bctx, operands, iter)
		}
	}
	return td
}

// fastSprintf formats sprintf's operands when the format and arguments are
// of the simple kinds above; ok is false otherwise.
func fastSprintf(operands []*ast.Term) (string, bool) {
	if len(operands) != 2 {
		return "", false
	}
	format, ok := operands[0].Value.(ast.String)
	if !ok {
		return "", false
	}
	args, ok := operands[1].Value.(*ast.Array)
	if !ok {
		return "", false
	}
	// Formatted into a buffer on the stack, the text takes one allocation
	// of its own size.
	var scratch [256]byte
	b := scratch[:0]
	next := 0
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b = append(b, c)
			continue
		}
		if i+1 >= len(format) {
			return "", false
		}
		i++
		verb := format[i]
		if verb == '%' {
			b = append(b, '%')
			continue
		}
		if next >= args.Len() {
			return "", false
		}
		if b, ok = formatArg(b, verb, args.Elem(next).Value); !ok {
			return "", false
		}
		next++
	}
	if next != args.Len() {
		return "", false
	}
	return string(b), true
}

// formatArg appends one argument as fmt would write what OPA's sprintf
// hands it: a string for strings, an int64 for integers, the Rego text of a
// composite or other scalar; false for what it does not cover.
func formatArg(b []byte, verb byte, v ast.Value) ([]byte, bool) {
	var s string
	switch v := v.(type) {
	case ast.Number:
		// OPA gives fmt an int64 for integers written without fraction or
		// exponent; anything else (floats, big integers) is left to it.
		if strings.ContainsAny(string(v), ".eE") {
			return b, false
		}
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			return b, false
		}
		switch verb {
		case 'd', 'v':
			return strconv.AppendInt(b, n, 10), true
		}
		return b, false
	case ast.String:
		s = string(v)
	case ast.Boolean, ast.Null:
		return b, false
	default:
		s = v.String()
	}
	switch verb {
	case 's', 'v':
		return append(b, s...), true
	case 'q':
		return strconv.AppendQuote(b, s), true
	}
	return b, false
}
