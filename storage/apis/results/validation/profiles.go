package validation

import (
	"path"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"kubescape.io/kubescape/storage/apis/results/v1beta1"
)

// ValidateApplicationProfile validates an ApplicationProfile on create.
func ValidateApplicationProfile(obj *v1beta1.ApplicationProfile) field.ErrorList {
	errs := validateNamespacedMeta(&obj.ObjectMeta)
	spec := field.NewPath("spec")
	errs = append(errs, validateWorkload(&obj.Spec.Workload, spec.Child("workload"), true)...)
	errs = append(errs, validateStringSet(obj.Spec.Architectures, spec.Child("architectures"))...)
	errs = append(errs, validateContainerLists(spec, obj.Spec.Containers, obj.Spec.InitContainers, obj.Spec.EphemeralContainers,
		func(c *v1beta1.ContainerProfile) string { return c.Name }, validateContainerProfile)...)
	return append(errs, validateProfileStatus(&obj.Status, field.NewPath("status"))...)
}

func validateContainerProfile(c *v1beta1.ContainerProfile, fldPath *field.Path) field.ErrorList {
	errs := validateDNSLabel(c.Name, fldPath.Child("name"), false)
	for i, capability := range c.Capabilities {
		if !strings.HasPrefix(capability, "CAP_") || strings.ToUpper(capability) != capability {
			errs = append(errs, field.Invalid(fldPath.Child("capabilities").Index(i), capability, "must be a capability name in capitals with the CAP_ prefix, e.g. CAP_NET_ADMIN"))
		}
	}
	errs = append(errs, validateStringSet(c.Capabilities, fldPath.Child("capabilities"))...)
	for i, exec := range c.Execs {
		errs = append(errs, validateAbsolutePath(exec.Path, fldPath.Child("execs").Index(i).Child("path"))...)
	}
	for i, open := range c.Opens {
		p := fldPath.Child("opens").Index(i)
		errs = append(errs, validateAbsolutePath(open.Path, p.Child("path"))...)
		errs = append(errs, validateStringSet(open.Flags, p.Child("flags"))...)
	}
	errs = append(errs, validateStringSet(c.Syscalls, fldPath.Child("syscalls"))...)
	for i, ep := range c.Endpoints {
		p := fldPath.Child("endpoints").Index(i)
		errs = append(errs, validateRequired(ep.Endpoint, p.Child("endpoint"), "host:port and path, e.g. :8080/healthz")...)
		errs = append(errs, validateEnum(ep.Direction, p.Child("direction"), true, v1beta1.HTTPDirectionInbound, v1beta1.HTTPDirectionOutbound)...)
		errs = append(errs, validateStringSet(ep.Methods, p.Child("methods"))...)
	}
	if c.SeccompProfile != nil {
		p := fldPath.Child("seccompProfile")
		errs = append(errs, validateDNSSubdomain(c.SeccompProfile.Name, p.Child("name"), true)...)
		errs = append(errs, validateDNSLabel(c.SeccompProfile.Container, p.Child("container"), false)...)
	}
	return errs
}

// validateAbsolutePath validates a required absolute file path.
func validateAbsolutePath(value string, fldPath *field.Path) field.ErrorList {
	if value == "" {
		return field.ErrorList{field.Required(fldPath, "an absolute path")}
	}
	if !path.IsAbs(value) {
		return field.ErrorList{field.Invalid(fldPath, value, "must be an absolute path (start with /)")}
	}
	return nil
}

func validateProfileStatus(s *v1beta1.ProfileStatus, fldPath *field.Path) field.ErrorList {
	errs := validateEnum(s.Phase, fldPath.Child("phase"), false,
		v1beta1.ProfilePhaseLearning, v1beta1.ProfilePhaseReady, v1beta1.ProfilePhaseCompleted)
	errs = append(errs, validateEnum(s.Completion, fldPath.Child("completion"), false,
		v1beta1.ProfileCompletionPartial, v1beta1.ProfileCompletionComplete)...)
	if s.LearningEnd != nil {
		if s.LearningStart == nil {
			errs = append(errs, field.Required(fldPath.Child("learningStart"), "a learning window that ends must have a start"))
		} else {
			errs = append(errs, validateNotBefore(s.LearningEnd, *s.LearningStart, fldPath.Child("learningEnd"), "learningStart")...)
		}
	}
	ended := s.Phase == v1beta1.ProfilePhaseReady || s.Phase == v1beta1.ProfilePhaseCompleted
	if ended && s.LearningEnd == nil && s.LearningStart != nil {
		errs = append(errs, field.Required(fldPath.Child("learningEnd"), "the learning window has ended in phase "+string(s.Phase)))
	}
	return errs
}

// ValidateApplicationProfileUpdate validates an ApplicationProfile on update;
// the workload cannot change.
func ValidateApplicationProfileUpdate(newObj, oldObj *v1beta1.ApplicationProfile) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	errs = append(errs, ValidateApplicationProfile(newObj)...)
	return append(errs, immutable(newObj.Spec.Workload, oldObj.Spec.Workload, field.NewPath("spec", "workload"))...)
}

// ValidateApplicationProfileStatusUpdate validates an update of the status
// subresource of an ApplicationProfile.
func ValidateApplicationProfileStatusUpdate(newObj, oldObj *v1beta1.ApplicationProfile) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	errs = append(errs, validateProfileStatus(&newObj.Status, field.NewPath("status"))...)
	return append(errs, validatePhaseTransition(newObj.Status.Phase, oldObj.Status.Phase, field.NewPath("status", "phase"))...)
}

// validatePhaseTransition refuses to reopen a completed profile: once
// Completed, the node agent no longer changes it.
func validatePhaseTransition(newPhase, oldPhase v1beta1.ProfilePhase, fldPath *field.Path) field.ErrorList {
	if oldPhase == v1beta1.ProfilePhaseCompleted && newPhase != v1beta1.ProfilePhaseCompleted {
		return field.ErrorList{field.Forbidden(fldPath, "a Completed profile cannot go back to "+string(newPhase)+"; delete it to learn again")}
	}
	return nil
}

// ValidateNetworkNeighborhood validates a NetworkNeighborhood on create.
func ValidateNetworkNeighborhood(obj *v1beta1.NetworkNeighborhood) field.ErrorList {
	errs := validateNamespacedMeta(&obj.ObjectMeta)
	spec := field.NewPath("spec")
	errs = append(errs, validateWorkload(&obj.Spec.Workload, spec.Child("workload"), true)...)
	errs = append(errs, validateLabelSelector(&obj.Spec.Selector, spec.Child("selector"))...)
	errs = append(errs, validateContainerLists(spec, obj.Spec.Containers, obj.Spec.InitContainers, obj.Spec.EphemeralContainers,
		func(c *v1beta1.NetworkNeighborhoodContainer) string { return c.Name },
		func(c *v1beta1.NetworkNeighborhoodContainer, p *field.Path) field.ErrorList {
			errs := validateDNSLabel(c.Name, p.Child("name"), false)
			errs = append(errs, validateNeighbors(c.Ingress, p.Child("ingress"))...)
			return append(errs, validateNeighbors(c.Egress, p.Child("egress"))...)
		})...)
	return append(errs, validateProfileStatus(&obj.Status, field.NewPath("status"))...)
}

func validateNeighbors(neighbors []v1beta1.NetworkNeighbor, fldPath *field.Path) field.ErrorList {
	errs := validateUnique(len(neighbors), func(i int) string { return neighbors[i].Identifier }, fldPath, "identifier")
	for i := range neighbors {
		n := &neighbors[i]
		p := fldPath.Index(i)
		errs = append(errs, validateEnum(n.Type, p.Child("type"), true, v1beta1.CommunicationTypeInternal, v1beta1.CommunicationTypeExternal)...)
		errs = append(errs, validateStringSet(n.DNSNames, p.Child("dnsNames"))...)
		errs = append(errs, validateUnique(len(n.Ports), func(j int) string { return n.Ports[j].Name }, p.Child("ports"), "name")...)
		for j, port := range n.Ports {
			pp := p.Child("ports").Index(j)
			errs = append(errs, validateEnum(port.Protocol, pp.Child("protocol"), false, protocols...)...)
			if port.Port != nil {
				errs = append(errs, validatePort(*port.Port, pp.Child("port"))...)
			}
		}
		errs = append(errs, validateLabelSelector(n.PodSelector, p.Child("podSelector"))...)
		errs = append(errs, validateLabelSelector(n.NamespaceSelector, p.Child("namespaceSelector"))...)
		errs = append(errs, validateIP(n.IPAddress, p.Child("ipAddress"))...)
		if n.Type == v1beta1.CommunicationTypeExternal && n.IPAddress == "" && n.DNS == "" && len(n.DNSNames) == 0 {
			errs = append(errs, field.Required(p.Child("ipAddress"), "an external peer needs an ipAddress or DNS names"))
		}
		if n.Type == v1beta1.CommunicationTypeInternal && n.PodSelector == nil && n.NamespaceSelector == nil && n.IPAddress == "" {
			errs = append(errs, field.Required(p.Child("podSelector"), "an internal peer needs a podSelector, a namespaceSelector or an ipAddress"))
		}
	}
	return errs
}

// ValidateNetworkNeighborhoodUpdate validates a NetworkNeighborhood on
// update; the workload cannot change.
func ValidateNetworkNeighborhoodUpdate(newObj, oldObj *v1beta1.NetworkNeighborhood) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	errs = append(errs, ValidateNetworkNeighborhood(newObj)...)
	return append(errs, immutable(newObj.Spec.Workload, oldObj.Spec.Workload, field.NewPath("spec", "workload"))...)
}

// ValidateNetworkNeighborhoodStatusUpdate validates an update of the status
// subresource of a NetworkNeighborhood.
func ValidateNetworkNeighborhoodStatusUpdate(newObj, oldObj *v1beta1.NetworkNeighborhood) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	errs = append(errs, validateProfileStatus(&newObj.Status, field.NewPath("status"))...)
	return append(errs, validatePhaseTransition(newObj.Status.Phase, oldObj.Status.Phase, field.NewPath("status", "phase"))...)
}

var (
	seccompActions = []v1beta1.SeccompAction{
		v1beta1.SeccompActionKill, v1beta1.SeccompActionKillProcess, v1beta1.SeccompActionKillThread,
		v1beta1.SeccompActionTrap, v1beta1.SeccompActionErrno, v1beta1.SeccompActionTrace,
		v1beta1.SeccompActionAllow, v1beta1.SeccompActionLog, v1beta1.SeccompActionNotify,
	}
	seccompOperators = []v1beta1.SeccompOperator{
		v1beta1.SeccompOpNotEqual, v1beta1.SeccompOpLessThan, v1beta1.SeccompOpLessEqual,
		v1beta1.SeccompOpEqualTo, v1beta1.SeccompOpGreaterEqual, v1beta1.SeccompOpGreaterThan,
		v1beta1.SeccompOpMaskedEqual,
	}
	// seccompArchitectures are the architectures of the OCI runtime
	// specification's seccomp profiles.
	seccompArchitectures = []string{
		"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
		"SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
		"SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
		"SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC",
		"SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64",
	}
)

// ValidateSeccompProfile validates a SeccompProfile on create.
func ValidateSeccompProfile(obj *v1beta1.SeccompProfile) field.ErrorList {
	errs := validateNamespacedMeta(&obj.ObjectMeta)
	spec := field.NewPath("spec")
	errs = append(errs, validateWorkload(&obj.Spec.Workload, spec.Child("workload"), true)...)
	errs = append(errs, validateContainerLists(spec, obj.Spec.Containers, obj.Spec.InitContainers, obj.Spec.EphemeralContainers,
		func(c *v1beta1.ContainerSeccompProfile) string { return c.Name }, validateContainerSeccomp)...)
	return append(errs, validateSeccompStatus(&obj.Status, field.NewPath("status"))...)
}

func validateContainerSeccomp(c *v1beta1.ContainerSeccompProfile, fldPath *field.Path) field.ErrorList {
	errs := validateDNSLabel(c.Name, fldPath.Child("name"), false)
	errs = append(errs, validateEnum(c.DefaultAction, fldPath.Child("defaultAction"), true, seccompActions...)...)
	errs = append(errs, validateErrno(c.DefaultErrnoRet, c.DefaultAction, fldPath.Child("defaultErrnoRet"))...)
	errs = append(errs, validateStringSet(c.Architectures, fldPath.Child("architectures"))...)
	for i, arch := range c.Architectures {
		if arch != "" {
			errs = append(errs, validateEnum(arch, fldPath.Child("architectures").Index(i), false, seccompArchitectures...)...)
		}
	}
	for i := range c.Syscalls {
		rule := &c.Syscalls[i]
		p := fldPath.Child("syscalls").Index(i)
		if len(rule.Names) == 0 {
			errs = append(errs, field.Required(p.Child("names"), "the system calls the rule applies to"))
		}
		errs = append(errs, validateStringSet(rule.Names, p.Child("names"))...)
		errs = append(errs, validateEnum(rule.Action, p.Child("action"), true, seccompActions...)...)
		errs = append(errs, validateErrno(rule.ErrnoRet, rule.Action, p.Child("errnoRet"))...)
		for j, arg := range rule.Args {
			pa := p.Child("args").Index(j)
			if arg.Index < 0 || arg.Index > 5 {
				errs = append(errs, field.Invalid(pa.Child("index"), arg.Index, "must be between 0 and 5, inclusive (a system call has at most 6 arguments)"))
			}
			errs = append(errs, validateEnum(arg.Op, pa.Child("op"), true, seccompOperators...)...)
		}
	}
	return errs
}

// validateErrno validates an errno return value: only with SCMP_ACT_ERRNO
// (or SCMP_ACT_TRACE, where it is the tracer's message), and non-negative.
func validateErrno(errno *int32, action v1beta1.SeccompAction, fldPath *field.Path) field.ErrorList {
	if errno == nil {
		return nil
	}
	// An unknown action is reported on its own field.
	if slices.Contains(seccompActions, action) && action != v1beta1.SeccompActionErrno && action != v1beta1.SeccompActionTrace {
		return field.ErrorList{field.Forbidden(fldPath, "only with the action SCMP_ACT_ERRNO or SCMP_ACT_TRACE")}
	}
	if *errno < 0 {
		return field.ErrorList{field.Invalid(fldPath, *errno, "must be greater than or equal to 0")}
	}
	return nil
}

func validateSeccompStatus(s *v1beta1.SeccompProfileStatus, fldPath *field.Path) field.ErrorList {
	p := fldPath.Child("containers")
	errs := validateUnique(len(s.Containers), func(i int) string { return s.Containers[i].Name }, p, "name")
	for i, c := range s.Containers {
		lp := p.Index(i).Child("localhostProfile")
		switch {
		case c.LocalhostProfile == "":
			errs = append(errs, field.Required(lp, "the path of the profile relative to the kubelet's seccomp directory"))
		case path.IsAbs(c.LocalhostProfile) || path.Clean(c.LocalhostProfile) != c.LocalhostProfile || strings.HasPrefix(c.LocalhostProfile, ".."):
			errs = append(errs, field.Invalid(lp, c.LocalhostProfile, "must be a clean relative path inside the kubelet's seccomp directory, e.g. kubescape/default/nginx.json"))
		}
		errs = append(errs, validateStringSet(c.Nodes, p.Index(i).Child("nodes"))...)
	}
	return errs
}

// ValidateSeccompProfileUpdate validates a SeccompProfile on update; the
// workload cannot change.
func ValidateSeccompProfileUpdate(newObj, oldObj *v1beta1.SeccompProfile) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	errs = append(errs, ValidateSeccompProfile(newObj)...)
	return append(errs, immutable(newObj.Spec.Workload, oldObj.Spec.Workload, field.NewPath("spec", "workload"))...)
}

// ValidateSeccompProfileStatusUpdate validates an update of the status
// subresource of a SeccompProfile.
func ValidateSeccompProfileStatusUpdate(newObj, oldObj *v1beta1.SeccompProfile) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	return append(errs, validateSeccompStatus(&newObj.Status, field.NewPath("status"))...)
}

// validateContainerLists validates the containers, initContainers and
// ephemeralContainers lists of a per-container spec: names unique within
// each list, and every entry.
func validateContainerLists[T any](spec *field.Path, containers, initContainers, ephemeralContainers []T,
	name func(*T) string, validate func(*T, *field.Path) field.ErrorList) field.ErrorList {
	var errs field.ErrorList
	for _, list := range []struct {
		name  string
		items []T
	}{
		{"containers", containers},
		{"initContainers", initContainers},
		{"ephemeralContainers", ephemeralContainers},
	} {
		fldPath := spec.Child(list.name)
		errs = append(errs, validateUnique(len(list.items), func(i int) string { return name(&list.items[i]) }, fldPath, "name")...)
		for i := range list.items {
			errs = append(errs, validate(&list.items[i], fldPath.Index(i))...)
		}
	}
	return errs
}
