package validation

import (
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kubescape.io/kubescape/storage/apis/results/v1beta1"
)

// ValidateGeneratedNetworkPolicy validates a GeneratedNetworkPolicy on
// create. The embedded NetworkPolicy gets the checks that make it
// applicable: name, namespace (the object's own), selectors, ports and
// CIDRs, policy types.
func ValidateGeneratedNetworkPolicy(obj *v1beta1.GeneratedNetworkPolicy) field.ErrorList {
	errs := validateNamespacedMeta(&obj.ObjectMeta)
	spec := field.NewPath("spec")
	errs = append(errs, validateWorkload(&obj.Spec.Workload, spec.Child("workload"), true)...)
	errs = append(errs, validateNetworkPolicy(&obj.Spec.NetworkPolicy, obj.Namespace, spec.Child("networkPolicy"))...)
	for i, ref := range obj.Spec.PolicyRefs {
		p := spec.Child("policyRefs").Index(i)
		errs = append(errs, validateCIDR(ref.IPBlock, p.Child("ipBlock"))...)
		errs = append(errs, validateIP(ref.OriginalIP, p.Child("originalIP"))...)
		errs = append(errs, validateDNSSubdomain(ref.Server, p.Child("server"), false)...)
	}
	return errs
}

func validateNetworkPolicy(np *networkingv1.NetworkPolicy, namespace string, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if np.APIVersion != "" && np.APIVersion != "networking.k8s.io/v1" {
		errs = append(errs, field.NotSupported(fldPath.Child("apiVersion"), np.APIVersion, []string{"networking.k8s.io/v1"}))
	}
	if np.Kind != "" && np.Kind != "NetworkPolicy" {
		errs = append(errs, field.NotSupported(fldPath.Child("kind"), np.Kind, []string{"NetworkPolicy"}))
	}
	meta := fldPath.Child("metadata")
	errs = append(errs, validateDNSSubdomain(np.Name, meta.Child("name"), true)...)
	if np.Namespace != "" && np.Namespace != namespace {
		errs = append(errs, field.Invalid(meta.Child("namespace"), np.Namespace, "must be empty or the namespace of the GeneratedNetworkPolicy, "+namespace))
	}
	errs = append(errs, apimachineryvalidation.ValidateAnnotations(np.Annotations, meta.Child("annotations"))...)
	specPath := fldPath.Child("spec")
	errs = append(errs, validateLabelSelector(&np.Spec.PodSelector, specPath.Child("podSelector"))...)
	for i, rule := range np.Spec.Ingress {
		p := specPath.Child("ingress").Index(i)
		errs = append(errs, validatePolicyPorts(rule.Ports, p.Child("ports"))...)
		errs = append(errs, validatePolicyPeers(rule.From, p.Child("from"))...)
	}
	for i, rule := range np.Spec.Egress {
		p := specPath.Child("egress").Index(i)
		errs = append(errs, validatePolicyPorts(rule.Ports, p.Child("ports"))...)
		errs = append(errs, validatePolicyPeers(rule.To, p.Child("to"))...)
	}
	for i, t := range np.Spec.PolicyTypes {
		errs = append(errs, validateEnum(t, specPath.Child("policyTypes").Index(i), true, networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress)...)
	}
	return errs
}

func validatePolicyPorts(ports []networkingv1.NetworkPolicyPort, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, port := range ports {
		p := fldPath.Index(i)
		if port.Protocol != nil {
			errs = append(errs, validateEnum(v1beta1.Protocol(*port.Protocol), p.Child("protocol"), true, protocols...)...)
		}
		if port.Port != nil {
			if port.Port.Type == intstr.Int {
				errs = append(errs, validatePort(port.Port.IntVal, p.Child("port"))...)
			} else {
				for _, msg := range utilvalidation.IsValidPortName(port.Port.StrVal) {
					errs = append(errs, field.Invalid(p.Child("port"), port.Port.StrVal, msg))
				}
			}
		}
		if port.EndPort != nil {
			if port.Port == nil || port.Port.Type != intstr.Int {
				errs = append(errs, field.Required(p.Child("port"), "a numeric port, when endPort is set"))
			} else if *port.EndPort < port.Port.IntVal {
				errs = append(errs, field.Invalid(p.Child("endPort"), *port.EndPort, "must be greater than or equal to port"))
			}
			errs = append(errs, validatePort(*port.EndPort, p.Child("endPort"))...)
		}
	}
	return errs
}

func validatePolicyPeers(peers []networkingv1.NetworkPolicyPeer, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, peer := range peers {
		p := fldPath.Index(i)
		errs = append(errs, validateLabelSelector(peer.PodSelector, p.Child("podSelector"))...)
		errs = append(errs, validateLabelSelector(peer.NamespaceSelector, p.Child("namespaceSelector"))...)
		if peer.IPBlock != nil {
			if peer.PodSelector != nil || peer.NamespaceSelector != nil {
				errs = append(errs, field.Forbidden(p.Child("ipBlock"), "an ipBlock peer cannot also have selectors"))
			}
			errs = append(errs, validateCIDR(peer.IPBlock.CIDR, p.Child("ipBlock", "cidr"))...)
			for j, except := range peer.IPBlock.Except {
				errs = append(errs, validateCIDR(except, p.Child("ipBlock", "except").Index(j))...)
			}
		} else if peer.PodSelector == nil && peer.NamespaceSelector == nil {
			errs = append(errs, field.Required(p, "a podSelector, a namespaceSelector or an ipBlock"))
		}
	}
	return errs
}

// ValidateGeneratedNetworkPolicyUpdate validates a GeneratedNetworkPolicy
// on update; the workload cannot change.
func ValidateGeneratedNetworkPolicyUpdate(newObj, oldObj *v1beta1.GeneratedNetworkPolicy) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	errs = append(errs, ValidateGeneratedNetworkPolicy(newObj)...)
	return append(errs, immutable(newObj.Spec.Workload, oldObj.Spec.Workload, field.NewPath("spec", "workload"))...)
}

// ValidateKnownServer validates a KnownServer (cluster-scoped) on create.
func ValidateKnownServer(obj *v1beta1.KnownServer) field.ErrorList {
	errs := apimachineryvalidation.ValidateObjectMeta(&obj.ObjectMeta, false, apimachineryvalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	entries := field.NewPath("spec", "entries")
	errs = append(errs, validateUnique(len(obj.Spec.Entries), func(i int) string { return obj.Spec.Entries[i].IPBlock }, entries, "ipBlock")...)
	for i, e := range obj.Spec.Entries {
		p := entries.Index(i)
		if e.IPBlock != "" {
			errs = append(errs, validateCIDR(e.IPBlock, p.Child("ipBlock"))...)
		}
		errs = append(errs, validateRequired(e.Name, p.Child("name"), "the name of the service, e.g. github")...)
		errs = append(errs, validateDNSSubdomain(e.Server, p.Child("server"), false)...)
		errs = append(errs, validateStringSet(e.DNSNames, p.Child("dnsNames"))...)
		for j, name := range e.DNSNames {
			errs = append(errs, validateDNSName(name, p.Child("dnsNames").Index(j))...)
		}
	}
	return errs
}

// ValidateKnownServerUpdate validates a KnownServer on update.
func ValidateKnownServerUpdate(newObj, oldObj *v1beta1.KnownServer) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	return append(errs, ValidateKnownServer(newObj)...)
}

// validateDNSName validates a DNS name that may be a wildcard
// (*.example.com) and may end with the root dot (example.com.).
func validateDNSName(name string, fldPath *field.Path) field.ErrorList {
	if name == "" {
		return nil // reported by validateStringSet
	}
	trimmed := strings.TrimSuffix(name, ".")
	if len(utilvalidation.IsDNS1123Subdomain(trimmed)) == 0 || len(utilvalidation.IsWildcardDNS1123Subdomain(trimmed)) == 0 {
		return nil
	}
	return field.ErrorList{field.Invalid(fldPath, name, "must be a DNS name in lower case, e.g. api.github.com, or a wildcard one, e.g. *.github.com")}
}
