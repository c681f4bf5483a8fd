package source

// maxInterned bounds the strings one interner holds, and maxInternLen the
// length of a string worth sharing.
const (
	maxInterned  = 1 << 16
	maxInternLen = 64
)

// interner shares the text of map keys and short string values between the
// objects one worker reads: "apiVersion", "metadata", "v1" are then held once,
// not once per object, and a value is boxed into an interface once. It is
// not safe for concurrent use; each worker has its own.
type interner struct {
	m map[string]any
}

func newInterner() *interner {
	return &interner{m: make(map[string]any, 1024)}
}

// value returns s as an interface, shared with earlier equal strings.
func (in *interner) value(s string) any {
	if in == nil || len(s) > maxInternLen {
		return s
	}
	if v, ok := in.m[s]; ok {
		return v
	}
	var v any = s
	if len(in.m) < maxInterned {
		in.m[s] = v
	}
	return v
}

// key returns s, shared with earlier equal strings.
func (in *interner) key(s string) string {
	if in == nil || len(s) > maxInternLen {
		return s
	}
	return in.value(s).(string)
}
