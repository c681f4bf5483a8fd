// Package validation checks objects of the results.kubescape.io API group
// before the storage server accepts them. For every kind there is
// Validate<Kind> (create) and Validate<Kind>Update (update: the metadata
// rules of an update, the create rules on the new object, and the fields
// that cannot change), plus Validate<Kind>StatusUpdate for kinds with a
// status subresource. Errors are a field.ErrorList whose paths name the
// offending field (spec.containers[0].execs[2].path), which the API server
// turns into a 422 Invalid response.
package validation

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"

	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kubescape.io/kubescape/storage/apis/results/v1beta1"
)

var (
	digestPattern = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)
	kindPattern   = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
)

// digestFormat is the expected form of an image digest, for error messages.
const digestFormat = "sha256:<64 lowercase hex digits>"

// validateNamespacedMeta validates the metadata of a namespaced object
// whose name is a DNS subdomain.
func validateNamespacedMeta(meta *metav1.ObjectMeta) field.ErrorList {
	return apimachineryvalidation.ValidateObjectMeta(meta, true, apimachineryvalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
}

// validateMetaUpdate validates what may change in metadata on update.
func validateMetaUpdate(newMeta, oldMeta *metav1.ObjectMeta) field.ErrorList {
	return apimachineryvalidation.ValidateObjectMetaUpdate(newMeta, oldMeta, field.NewPath("metadata"))
}

// validateWorkload validates a reference to a Kubernetes object. A
// workload (namespaced) must name its namespace; a scanned resource may be
// cluster-scoped.
func validateWorkload(w *v1beta1.WorkloadReference, fldPath *field.Path, namespaceRequired bool) field.ErrorList {
	var errs field.ErrorList
	if w.APIVersion == "" {
		errs = append(errs, field.Required(fldPath.Child("apiVersion"), "the group/version of the object, e.g. apps/v1"))
	} else if gv, err := schema.ParseGroupVersion(w.APIVersion); err != nil || gv.Version == "" {
		errs = append(errs, field.Invalid(fldPath.Child("apiVersion"), w.APIVersion, "must be <group>/<version> or <version>, e.g. apps/v1 or v1"))
	}
	if w.Kind == "" {
		errs = append(errs, field.Required(fldPath.Child("kind"), "the kind of the object, e.g. Deployment"))
	} else if !kindPattern.MatchString(w.Kind) {
		errs = append(errs, field.Invalid(fldPath.Child("kind"), w.Kind, "must be a kind name: a capital letter then letters and digits, e.g. Deployment"))
	}
	errs = append(errs, validateDNSSubdomain(w.Name, fldPath.Child("name"), true)...)
	if w.Namespace == "" {
		if namespaceRequired {
			errs = append(errs, field.Required(fldPath.Child("namespace"), "the namespace of the workload"))
		}
	} else {
		errs = append(errs, validateDNSLabel(w.Namespace, fldPath.Child("namespace"), true)...)
	}
	return errs
}

// validateDNSLabel validates a name that must be a DNS label (container,
// namespace names).
func validateDNSLabel(value string, fldPath *field.Path, required bool) field.ErrorList {
	return validateName(value, fldPath, required, utilvalidation.IsDNS1123Label)
}

// validateDNSSubdomain validates a name that must be a DNS subdomain
// (object, pod, node names).
func validateDNSSubdomain(value string, fldPath *field.Path, required bool) field.ErrorList {
	return validateName(value, fldPath, required, utilvalidation.IsDNS1123Subdomain)
}

// validateName checks a name with one of apimachinery's name checks; empty
// is an error only when the name is required.
func validateName(value string, fldPath *field.Path, required bool, check func(string) []string) field.ErrorList {
	if value == "" {
		if required {
			return field.ErrorList{field.Required(fldPath, "")}
		}
		return nil
	}
	var errs field.ErrorList
	for _, msg := range check(value) {
		errs = append(errs, field.Invalid(fldPath, value, msg))
	}
	return errs
}

// validateDigest validates an image digest.
func validateDigest(value string, fldPath *field.Path, required bool) field.ErrorList {
	if value == "" {
		if required {
			return field.ErrorList{field.Required(fldPath, "the image digest, "+digestFormat)}
		}
		return nil
	}
	if !digestPattern.MatchString(value) {
		return field.ErrorList{field.Invalid(fldPath, value, "must be an image digest, "+digestFormat)}
	}
	return nil
}

// validateRequired reports an empty string.
func validateRequired(value string, fldPath *field.Path, detail string) field.ErrorList {
	if strings.TrimSpace(value) == "" {
		return field.ErrorList{field.Required(fldPath, detail)}
	}
	return nil
}

// validateEnum validates a value from a fixed set; an empty value is
// reported as missing when required and accepted otherwise.
func validateEnum[T ~string](value T, fldPath *field.Path, required bool, allowed ...T) field.ErrorList {
	if value == "" {
		if required {
			return field.ErrorList{field.Required(fldPath, "one of "+quoted(allowed))}
		}
		return nil
	}
	if !slices.Contains(allowed, value) {
		return field.ErrorList{field.NotSupported(fldPath, value, allowed)}
	}
	return nil
}

func quoted[T ~string](values []T) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(parts, ", ")
}

var severities = []v1beta1.Severity{
	v1beta1.SeverityLow, v1beta1.SeverityMedium, v1beta1.SeverityHigh, v1beta1.SeverityCritical,
}

// validateTime reports a time that is not set.
func validateTime(t metav1.Time, fldPath *field.Path) field.ErrorList {
	if t.IsZero() {
		return field.ErrorList{field.Required(fldPath, "a time, RFC 3339, e.g. 2025-01-31T12:00:00Z")}
	}
	return nil
}

// validateNotBefore reports a time earlier than another one it follows.
func validateNotBefore(t *metav1.Time, after metav1.Time, fldPath *field.Path, what string) field.ErrorList {
	if t != nil && !after.IsZero() && t.Before(&after) {
		return field.ErrorList{field.Invalid(fldPath, t.UTC().Format("2006-01-02T15:04:05Z"), "must not be before "+what)}
	}
	return nil
}

// validateCount reports a negative count.
func validateCount(n int64, fldPath *field.Path) field.ErrorList {
	if n < 0 {
		return field.ErrorList{field.Invalid(fldPath, n, "must be greater than or equal to 0")}
	}
	return nil
}

// validateUnique reports the entries of a list keyed by a string whose key
// is missing or repeats. key gives the key of entry i; keyName is the
// JSON name of the key field.
func validateUnique(n int, key func(i int) string, fldPath *field.Path, keyName string) field.ErrorList {
	var errs field.ErrorList
	seen := make(map[string]bool, n)
	for i := range n {
		k := key(i)
		if k == "" {
			errs = append(errs, field.Required(fldPath.Index(i).Child(keyName), "the key of the list entry"))
			continue
		}
		if seen[k] {
			errs = append(errs, field.Duplicate(fldPath.Index(i).Child(keyName), k))
		}
		seen[k] = true
	}
	return errs
}

// validateStringSet reports empty and repeated entries of a list of type set.
func validateStringSet(values []string, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := make(map[string]bool, len(values))
	for i, v := range values {
		if v == "" {
			errs = append(errs, field.Required(fldPath.Index(i), "entries must not be empty"))
			continue
		}
		if seen[v] {
			errs = append(errs, field.Duplicate(fldPath.Index(i), v))
		}
		seen[v] = true
	}
	return errs
}

// validateLabelSelector validates an optional label selector.
func validateLabelSelector(sel *metav1.LabelSelector, fldPath *field.Path) field.ErrorList {
	if sel == nil {
		return nil
	}
	return metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, fldPath)
}

// validateCIDR validates a CIDR in canonical form (no bits set after the prefix).
func validateCIDR(value string, fldPath *field.Path) field.ErrorList {
	if value == "" {
		return field.ErrorList{field.Required(fldPath, "a CIDR, e.g. 10.0.0.0/8 or 2001:db8::/32")}
	}
	return utilvalidation.IsValidCIDR(fldPath, value)
}

// validateIP validates an optional IP address in canonical form.
func validateIP(value string, fldPath *field.Path) field.ErrorList {
	if value == "" {
		return nil
	}
	return utilvalidation.IsValidIP(fldPath, value)
}

// validateDocument validates an embedded JSON document (an SBOM): it must
// be a JSON object.
func validateDocument(doc *runtime.RawExtension, fldPath *field.Path) field.ErrorList {
	if doc.Object != nil {
		return nil
	}
	raw := bytes.TrimSpace(doc.Raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return field.ErrorList{field.Required(fldPath, "the SBOM document, a JSON object")}
	}
	if raw[0] != '{' {
		return field.ErrorList{field.Invalid(fldPath, "<document>", "must be a JSON object")}
	}
	return nil
}

// validatePort validates a port number, 1-65535.
func validatePort(port int32, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range utilvalidation.IsValidPortNum(int(port)) {
		errs = append(errs, field.Invalid(fldPath, port, msg))
	}
	return errs
}

var protocols = []v1beta1.Protocol{v1beta1.ProtocolTCP, v1beta1.ProtocolUDP, v1beta1.ProtocolSCTP}

// immutable reports a field that changed on update.
func immutable(newVal, oldVal any, fldPath *field.Path) field.ErrorList {
	return apimachineryvalidation.ValidateImmutableField(newVal, oldVal, fldPath)
}
