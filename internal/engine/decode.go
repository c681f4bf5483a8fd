package engine

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/open-policy-agent/opa/v1/ast"

	"kubescape.io/kubescape/internal/resource"
)

// A scan keeps its objects as compact JSON (resource.Object.Raw) and
// evaluates them as Rego values. Decoding the JSON to Go maps and converting
// those (resource.Object.Decoded, then ast.InterfaceToValue) built every
// object twice; the decoder here builds the Rego value straight from the
// bytes, the same value the two steps made: numbers are normalized as
// Decoded normalizes them, strings unescaped as encoding/json unescapes
// them, and of duplicate keys the last is kept.

// ObjectValue returns an object's content as a Rego value: its compact JSON
// decoded (see resource.Object.Compact), or Content converted when the
// object is not compacted. Rules read it as input once named (see named).
func ObjectValue(o *resource.Object) (ast.Object, error) {
	if raw := o.Raw(); raw != nil {
		v, err := decodeObject(raw)
		if err != nil {
			return nil, fmt.Errorf("decode %s: %w", o.Ref(), err)
		}
		return v, nil
	}
	v, err := ast.InterfaceToValue(o.Content)
	if err != nil {
		return nil, fmt.Errorf("convert object: %w", err)
	}
	obj, ok := v.(ast.Object)
	if !ok {
		return nil, fmt.Errorf("convert object: got %s, want an object", ast.ValueName(v))
	}
	return obj, nil
}

// maxDepth is the deepest nesting of arrays and objects encoding/json
// accepts: the decoder refuses what Decoded refuses.
const maxDepth = 10000

var errEnd = errors.New("unexpected end of JSON input")

// decoder decodes JSON documents to Rego values, one at a time.
type decoder struct {
	data  []byte
	pos   int
	depth int
	// keys holds the terms of the object keys met so far: the objects of
	// a scan use few distinct keys, so that most keys take no allocation.
	// The terms are shared by the values decoded, which only read them.
	keys map[string]*ast.Term
	// stack holds the elements of the arrays being decoded and the keys
	// and values of the objects, innermost last; each container takes its
	// own off the top once complete, at its final size.
	stack []*ast.Term
	// pairs and seen are scratch for building an object.
	pairs [][2]*ast.Term
	seen  map[string]int
	// buf is scratch for unescaping strings.
	buf []byte
	// terms is a block of terms handed out one by one: one allocation for
	// many of the value's terms, which live and die together.
	terms []ast.Term
}

// maxKeys bounds a decoder's keys: a document with many keys of its own (a
// ConfigMap's data) fills it once, and later keys are not cached.
const maxKeys = 4096

// decoders keep their scratch space and keys from document to document.
var decoders = sync.Pool{New: func() any { return &decoder{keys: map[string]*ast.Term{}} }}

// decodeObject decodes a JSON document that must be an object.
func decodeObject(data []byte) (ast.Object, error) { return decodeFields(data, nil) }

// fields names what to decode of an object: each key named maps to the
// fields of its value to decode, or to nil for the whole value.
type fields map[string]fields

// decodeFields decodes a JSON document that must be an object, keeping only
// the fields named (all of them when want is nil): the other values are
// checked as JSON, as decodeObject checks them, but not built. Where a
// value named with fields is not an object, it is decoded whole.
func decodeFields(data []byte, want fields) (ast.Object, error) {
	d := decoders.Get().(*decoder)
	defer d.release()
	d.data, d.pos, d.depth = data, 0, 0
	d.skipSpace()
	if d.pos >= len(d.data) {
		return nil, errEnd
	}
	if d.data[d.pos] != '{' {
		return nil, d.syntaxError("want an object")
	}
	t, err := d.object(want)
	if err != nil {
		return nil, err
	}
	if d.skipSpace(); d.pos < len(d.data) {
		return nil, d.syntaxError("after the object")
	}
	return t.Value.(ast.Object), nil
}

// release returns the decoder to the pool, holding nothing of the value
// it made: the value's terms go with the value.
func (d *decoder) release() {
	clear(d.stack[:cap(d.stack)])
	clear(d.pairs[:cap(d.pairs)])
	d.data, d.stack, d.pairs, d.terms = nil, d.stack[:0], d.pairs[:0], nil
	decoders.Put(d)
}

func (d *decoder) syntaxError(what string) error {
	if d.pos >= len(d.data) {
		return errEnd
	}
	return fmt.Errorf("invalid character %q at offset %d: %s", d.data[d.pos], d.pos, what)
}

func (d *decoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// term returns a term of v, taken from the current block.
func (d *decoder) term(v ast.Value) *ast.Term {
	if len(d.terms) == 0 {
		// About a term per dozen bytes of Kubernetes JSON.
		d.terms = make([]ast.Term, min(max((len(d.data)-d.pos)/12, 16), 256))
	}
	t := &d.terms[0]
	d.terms = d.terms[1:]
	t.Value = v
	return t
}

// value decodes the value at d.pos, after any space.
func (d *decoder) value() (*ast.Term, error) {
	d.skipSpace()
	if d.pos >= len(d.data) {
		return nil, errEnd
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		return d.object(nil)
	case c == '[':
		return d.array()
	case c == '"':
		s, err := d.str()
		if err != nil {
			return nil, err
		}
		return d.term(ast.String(s)), nil
	case c == '-' || '0' <= c && c <= '9':
		return d.number()
	case c == 't':
		return d.literal("true", ast.InternedBooleanTrueValue)
	case c == 'f':
		return d.literal("false", ast.InternedBooleanFalseValue)
	case c == 'n':
		return d.literal("null", ast.NullValue)
	}
	return nil, d.syntaxError("looking for a value")
}

func (d *decoder) literal(lit string, v ast.Value) (*ast.Term, error) {
	if err := d.skipLiteral(lit); err != nil {
		return nil, err
	}
	return d.term(v), nil
}

// enter counts a level of nesting, failing beyond maxDepth.
func (d *decoder) enter() error {
	if d.depth++; d.depth > maxDepth {
		return fmt.Errorf("exceeded max depth at offset %d", d.pos)
	}
	d.pos++
	return nil
}

func (d *decoder) array() (*ast.Term, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	base := len(d.stack)
	if d.skipSpace(); d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
	} else {
		for {
			t, err := d.value()
			if err != nil {
				return nil, err
			}
			d.stack = append(d.stack, t)
			if done, err := d.next(']'); err != nil {
				return nil, err
			} else if done {
				break
			}
		}
	}
	elems := make([]*ast.Term, len(d.stack)-base)
	copy(elems, d.stack[base:])
	d.stack = d.stack[:base]
	d.depth--
	return d.term(ast.NewArray(elems...)), nil
}

// next consumes the comma after an element, or the end of its container.
func (d *decoder) next(end byte) (done bool, err error) {
	d.skipSpace()
	if d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ',':
			d.pos++
			return false, nil
		case end:
			d.pos++
			return true, nil
		}
	}
	return false, d.syntaxError("after an element")
}

// object decodes the object at d.pos, only the fields of want unless it
// is nil (see decodeFields).
func (d *decoder) object(want fields) (*ast.Term, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	base := len(d.stack)
	if d.skipSpace(); d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
	} else {
		for {
			if d.skipSpace(); d.pos >= len(d.data) || d.data[d.pos] != '"' {
				return nil, d.syntaxError("looking for a key")
			}
			k, err := d.key()
			if err != nil {
				return nil, err
			}
			if d.skipSpace(); d.pos >= len(d.data) || d.data[d.pos] != ':' {
				return nil, d.syntaxError("after a key")
			}
			d.pos++
			var v *ast.Term
			if want == nil {
				v, err = d.value()
			} else if sub, ok := want[string(k.Value.(ast.String))]; !ok {
				err = d.skip()
			} else if d.skipSpace(); sub != nil && d.pos < len(d.data) && d.data[d.pos] == '{' {
				v, err = d.object(sub)
			} else {
				v, err = d.value()
			}
			if err != nil {
				return nil, err
			}
			if v != nil {
				d.stack = append(d.stack, k, v)
			}
			if done, err := d.next('}'); err != nil {
				return nil, err
			} else if done {
				break
			}
		}
	}
	obj := ast.NewObject(d.uniquePairs(d.stack[base:])...)
	d.stack = d.stack[:base]
	d.depth--
	return d.term(obj), nil
}

// uniquePairs pairs the keys and values of an object, keeping the last
// value of a key given twice, as encoding/json does (ast.NewObject expects
// distinct keys). The pairs are valid until the next call.
func (d *decoder) uniquePairs(kvs []*ast.Term) [][2]*ast.Term {
	pairs := d.pairs[:0]
	// Objects are small, but for a few (a ConfigMap's data) with many keys.
	const small = 16
	if len(kvs) > 2*small && d.seen == nil {
		d.seen = map[string]int{}
	}
	for i := 0; i < len(kvs); i += 2 {
		k := string(kvs[i].Value.(ast.String))
		at := -1
		if len(kvs) > 2*small {
			if j, ok := d.seen[k]; ok {
				at = j
			} else {
				d.seen[k] = len(pairs)
			}
		} else {
			for j := range pairs {
				if string(pairs[j][0].Value.(ast.String)) == k {
					at = j
					break
				}
			}
		}
		if at >= 0 {
			pairs[at][1] = kvs[i+1]
		} else {
			pairs = append(pairs, [2]*ast.Term{kvs[i], kvs[i+1]})
		}
	}
	if len(kvs) > 2*small {
		clear(d.seen)
	}
	d.pairs = pairs
	return pairs
}

// number decodes a number as Decoded does (an int64 when the literal is
// one, a float64 otherwise), converted as ast.InterfaceToValue converts
// that: 1.0 is 1, 1e3 is 1000, an integer beyond int64 a rounded float.
func (d *decoder) number() (*ast.Term, error) {
	start := d.pos
	if err := d.scanNumber(); err != nil {
		return nil, err
	}
	lit := string(d.data[start:d.pos])
	var x any
	if i, err := strconv.ParseInt(lit, 10, 64); err == nil {
		x = i
	} else {
		// Out of range, the float is ±Inf, as json.Number.Float64 leaves it.
		x, _ = strconv.ParseFloat(lit, 64)
	}
	v, err := ast.InterfaceToValue(x)
	if err != nil {
		return nil, err
	}
	return d.term(v), nil
}

// scanNumber consumes the number literal at d.pos.
func (d *decoder) scanNumber() error {
	if d.data[d.pos] == '-' {
		d.pos++
	}
	switch {
	case d.pos < len(d.data) && d.data[d.pos] == '0':
		d.pos++
	case d.digits() == 0:
		return d.syntaxError("in a number")
	}
	if d.pos < len(d.data) && d.data[d.pos] == '.' {
		d.pos++
		if d.digits() == 0 {
			return d.syntaxError("after a decimal point")
		}
	}
	if d.pos < len(d.data) && (d.data[d.pos] == 'e' || d.data[d.pos] == 'E') {
		d.pos++
		if d.pos < len(d.data) && (d.data[d.pos] == '+' || d.data[d.pos] == '-') {
			d.pos++
		}
		if d.digits() == 0 {
			return d.syntaxError("in an exponent")
		}
	}
	return nil
}

// skip consumes the value at d.pos, after any space, checking it as value
// would decode it, without building it.
func (d *decoder) skip() error {
	d.skipSpace()
	if d.pos >= len(d.data) {
		return errEnd
	}
	switch c := d.data[d.pos]; {
	case c == '{', c == '[':
		return d.skipContainer(c)
	case c == '"':
		_, err := d.strBytes()
		return err
	case c == '-' || '0' <= c && c <= '9':
		return d.scanNumber()
	case c == 't':
		return d.skipLiteral("true")
	case c == 'f':
		return d.skipLiteral("false")
	case c == 'n':
		return d.skipLiteral("null")
	}
	return d.syntaxError("looking for a value")
}

func (d *decoder) skipLiteral(lit string) error {
	for i := range len(lit) {
		if d.pos >= len(d.data) || d.data[d.pos] != lit[i] {
			return d.syntaxError("in literal " + lit)
		}
		d.pos++
	}
	return nil
}

// skipContainer skips the array or object at d.pos, whose opening is open.
func (d *decoder) skipContainer(open byte) error {
	if err := d.enter(); err != nil {
		return err
	}
	end := byte(']')
	if open == '{' {
		end = '}'
	}
	if d.skipSpace(); d.pos < len(d.data) && d.data[d.pos] == end {
		d.pos++
		d.depth--
		return nil
	}
	for {
		if open == '{' {
			if d.skipSpace(); d.pos >= len(d.data) || d.data[d.pos] != '"' {
				return d.syntaxError("looking for a key")
			}
			if _, err := d.strBytes(); err != nil {
				return err
			}
			if d.skipSpace(); d.pos >= len(d.data) || d.data[d.pos] != ':' {
				return d.syntaxError("after a key")
			}
			d.pos++
		}
		if err := d.skip(); err != nil {
			return err
		}
		if done, err := d.next(end); err != nil {
			return err
		} else if done {
			d.depth--
			return nil
		}
	}
}

// digits consumes decimal digits and returns how many.
func (d *decoder) digits() int {
	start := d.pos
	for d.pos < len(d.data) && '0' <= d.data[d.pos] && d.data[d.pos] <= '9' {
		d.pos++
	}
	return d.pos - start
}

// key decodes the key at d.pos.
func (d *decoder) key() (*ast.Term, error) {
	b, err := d.strBytes()
	if err != nil {
		return nil, err
	}
	if t, ok := d.keys[string(b)]; ok {
		return t, nil
	}
	k := string(b)
	t := ast.StringTerm(k)
	if len(d.keys) < maxKeys {
		d.keys[k] = t
	}
	return t, nil
}

// str decodes the string at d.pos.
func (d *decoder) str() (string, error) {
	b, err := d.strBytes()
	return string(b), err
}

// strBytes decodes the string at d.pos (its opening quote): a slice of
// the document when it needs no unescaping, as most strings, else of
// d.buf, valid until the next call.
func (d *decoder) strBytes() ([]byte, error) {
	start := d.pos + 1
	for i := start; i < len(d.data); {
		switch c := d.data[i]; {
		case c == '"':
			d.pos = i + 1
			return d.data[start:i], nil
		case c == '\\' || c < ' ':
			return d.unquote(start)
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(d.data[i:])
			if r == utf8.RuneError && size == 1 {
				return d.unquote(start)
			}
			i += size
		}
	}
	d.pos = len(d.data)
	return nil, errEnd
}

// unquote decodes the string that starts at start as encoding/json does:
// an invalid UTF-8 byte or a lone surrogate escape is replaced by U+FFFD.
func (d *decoder) unquote(start int) ([]byte, error) {
	b := d.buf[:0]
	for i := start; i < len(d.data); {
		c := d.data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			d.buf = b
			return b, nil
		case c < ' ':
			d.pos = i
			return nil, d.syntaxError("in a string")
		case c == '\\':
			if i+1 >= len(d.data) {
				d.pos = len(d.data)
				return nil, errEnd
			}
			switch e := d.data[i+1]; e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r := hex4(d.data[i+2:])
				if r < 0 {
					d.pos = min(i+2, len(d.data))
					return nil, d.syntaxError("in a \\u escape")
				}
				i += 6
				if utf16.IsSurrogate(r) {
					// A pair when the next escape completes it.
					if dec := utf16.DecodeRune(r, escapedRune(d.data[i:])); dec != unicode.ReplacementChar {
						r = dec
						i += 6
					} else {
						r = unicode.ReplacementChar
					}
				}
				b = utf8.AppendRune(b, r)
				continue
			default:
				d.pos = i + 1
				return nil, d.syntaxError("in a string escape")
			}
			i += 2
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(d.data[i:])
			b = utf8.AppendRune(b, r)
			i += size
		}
	}
	d.pos = len(d.data)
	return nil, errEnd
}

// escapedRune is the rune of the \uXXXX escape that p starts with, or -1.
func escapedRune(p []byte) rune {
	if len(p) < 2 || p[0] != '\\' || p[1] != 'u' {
		return -1
	}
	return hex4(p[2:])
}

// hex4 is the value of the 4 hex digits p starts with, or -1.
func hex4(p []byte) rune {
	if len(p) < 4 {
		return -1
	}
	var r rune
	for _, c := range p[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// The keys named reads.
var (
	keyMetadata     = ast.StringTerm("metadata")
	keyGenerateName = ast.StringTerm("generateName")
)

// named gives an object that has no metadata.name (a manifest that
// relies on generateName, or a sloppy one) the name its rules' messages
// show: its generateName, or "". A rule that formats the name into its
// message would otherwise find nothing, and the object pass unseen. The
// object is left as it is: a named copy is returned.
func named(content ast.Object) ast.Object {
	md, _ := termValue(content.Get(keyMetadata)).(ast.Object)
	if md == nil {
		md = ast.NewObject()
	}
	if _, ok := termValue(md.Get(keyName)).(ast.String); ok {
		return content
	}
	gen, _ := termValue(md.Get(keyGenerateName)).(ast.String)
	return with(content, keyMetadata, ast.NewTerm(with(md, keyName, ast.StringTerm(string(gen)))))
}

// with is a shallow copy of obj with key set to v.
func with(obj ast.Object, key, v *ast.Term) ast.Object {
	pairs := make([][2]*ast.Term, 0, obj.Len()+1)
	obj.Foreach(func(k, x *ast.Term) {
		if !k.Equal(key) {
			pairs = append(pairs, [2]*ast.Term{k, x})
		}
	})
	return ast.NewObject(append(pairs, [2]*ast.Term{key, v})...)
}
