package validation

import (
	"regexp"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"kubescape.io/kubescape/storage/apis/results/v1beta1"
)

var (
	// ruleIDPattern is the form of a runtime rule ID: letters, digits,
	// dashes and underscores, e.g. R0001.
	ruleIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$`)
	// containerIDPattern is a container runtime's container ID:
	// <runtime>://<hex id>.
	containerIDPattern = regexp.MustCompile(`^[a-z0-9.-]+://[a-f0-9]{12,64}$`)
)

// ValidateRuntimeAlert validates a RuntimeAlert on create.
func ValidateRuntimeAlert(obj *v1beta1.RuntimeAlert) field.ErrorList {
	errs := validateNamespacedMeta(&obj.ObjectMeta)
	spec := field.NewPath("spec")
	s := &obj.Spec
	if s.RuleID == "" {
		errs = append(errs, field.Required(spec.Child("ruleID"), "the ID of the rule that fired, e.g. R0001"))
	} else if !ruleIDPattern.MatchString(s.RuleID) {
		errs = append(errs, field.Invalid(spec.Child("ruleID"), s.RuleID, "must be letters, digits, '-' and '_' (at most 63), e.g. R0001"))
	}
	errs = append(errs, validateRequired(s.RuleName, spec.Child("ruleName"), "the name of the rule")...)
	errs = append(errs, validateEnum(s.Severity, spec.Child("severity"), true, severities...)...)
	errs = append(errs, validateRequired(s.Message, spec.Child("message"), "what happened")...)
	errs = append(errs, validateTime(s.Time, spec.Child("time"))...)
	errs = append(errs, validateNotBefore(s.LastTime, s.Time, spec.Child("lastTime"), "time")...)
	if s.Count < 1 {
		errs = append(errs, field.Invalid(spec.Child("count"), s.Count, "must be at least 1"))
	}
	if s.Workload != nil {
		errs = append(errs, validateWorkload(s.Workload, spec.Child("workload"), true)...)
		if s.Workload.Namespace != "" && obj.Namespace != "" && s.Workload.Namespace != obj.Namespace {
			errs = append(errs, field.Invalid(spec.Child("workload", "namespace"), s.Workload.Namespace, "must be the namespace of the alert, "+obj.Namespace))
		}
	}
	errs = append(errs, validateDNSSubdomain(s.PodName, spec.Child("podName"), true)...)
	errs = append(errs, validateDNSLabel(s.ContainerName, spec.Child("containerName"), true)...)
	if s.ContainerID != "" && !containerIDPattern.MatchString(s.ContainerID) {
		errs = append(errs, field.Invalid(spec.Child("containerID"), s.ContainerID, "must be <runtime>://<hex id>, e.g. containerd://4f2a..."))
	}
	errs = append(errs, validateDNSSubdomain(s.NodeName, spec.Child("nodeName"), true)...)
	if s.Process != nil {
		p := spec.Child("process")
		if s.Process.PID < 1 {
			errs = append(errs, field.Invalid(p.Child("pid"), s.Process.PID, "must be at least 1"))
		}
		if s.Process.PPID < 0 {
			errs = append(errs, field.Invalid(p.Child("ppid"), s.Process.PPID, "must be greater than or equal to 0"))
		}
		if len(s.Process.Comm) > 16 {
			errs = append(errs, field.TooLong(p.Child("comm"), s.Process.Comm, 16))
		}
		if s.Process.ExePath != "" {
			errs = append(errs, validateAbsolutePath(s.Process.ExePath, p.Child("exePath"))...)
		}
		if s.Process.UID != nil && *s.Process.UID < 0 {
			errs = append(errs, field.Invalid(p.Child("uid"), *s.Process.UID, "must be greater than or equal to 0"))
		}
	}
	for key := range s.Details {
		if key == "" {
			errs = append(errs, field.Invalid(spec.Child("details"), key, "keys must not be empty"))
		}
	}
	return append(errs, validateAlertStatus(&obj.Status, field.NewPath("status"))...)
}

func validateAlertStatus(s *v1beta1.RuntimeAlertStatus, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if !s.Acknowledged {
		if s.AcknowledgedBy != "" {
			errs = append(errs, field.Forbidden(fldPath.Child("acknowledgedBy"), "only when acknowledged is true"))
		}
		if s.AcknowledgedAt != nil {
			errs = append(errs, field.Forbidden(fldPath.Child("acknowledgedAt"), "only when acknowledged is true"))
		}
		return errs
	}
	if s.AcknowledgedAt == nil {
		errs = append(errs, field.Required(fldPath.Child("acknowledgedAt"), "when the alert was acknowledged"))
	}
	return errs
}

// ValidateRuntimeAlertUpdate validates a RuntimeAlert on update. What
// happened and where cannot change; a repeat may raise the count, move
// lastTime and change the message and details.
func ValidateRuntimeAlertUpdate(newObj, oldObj *v1beta1.RuntimeAlert) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	errs = append(errs, ValidateRuntimeAlert(newObj)...)
	spec := field.NewPath("spec")
	n, o := &newObj.Spec, &oldObj.Spec
	errs = append(errs, immutable(n.RuleID, o.RuleID, spec.Child("ruleID"))...)
	errs = append(errs, immutable(n.Time, o.Time, spec.Child("time"))...)
	errs = append(errs, immutable(n.Workload, o.Workload, spec.Child("workload"))...)
	errs = append(errs, immutable(n.PodName, o.PodName, spec.Child("podName"))...)
	errs = append(errs, immutable(n.ContainerName, o.ContainerName, spec.Child("containerName"))...)
	errs = append(errs, immutable(n.ContainerID, o.ContainerID, spec.Child("containerID"))...)
	errs = append(errs, immutable(n.NodeName, o.NodeName, spec.Child("nodeName"))...)
	if n.Count < o.Count {
		errs = append(errs, field.Invalid(spec.Child("count"), n.Count, "must not decrease"))
	}
	return errs
}

// ValidateRuntimeAlertStatusUpdate validates an update of the status
// subresource of a RuntimeAlert (acknowledging it).
func ValidateRuntimeAlertStatusUpdate(newObj, oldObj *v1beta1.RuntimeAlert) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	return append(errs, validateAlertStatus(&newObj.Status, field.NewPath("status"))...)
}
