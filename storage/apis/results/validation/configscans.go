package validation

import (
	"regexp"

	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kubescape.io/kubescape/storage/apis/results/v1beta1"
)

// controlIDPattern is the form of a control ID: C- and four digits, like
// the controls of the library.
var controlIDPattern = regexp.MustCompile(`^C-[0-9]{4}$`)

var controlStatuses = []v1beta1.ControlStatus{
	v1beta1.ControlStatusPassed, v1beta1.ControlStatusFailed, v1beta1.ControlStatusSkipped, v1beta1.ControlStatusExcepted,
}

func validateControlID(id string, fldPath *field.Path) field.ErrorList {
	if id == "" {
		return field.ErrorList{field.Required(fldPath, "the control ID, e.g. C-0057")}
	}
	if !controlIDPattern.MatchString(id) {
		return field.ErrorList{field.Invalid(fldPath, id, "must be a control ID, C- and four digits, e.g. C-0057")}
	}
	return nil
}

// ValidateWorkloadConfigurationScan validates a WorkloadConfigurationScan on create.
func ValidateWorkloadConfigurationScan(obj *v1beta1.WorkloadConfigurationScan) field.ErrorList {
	errs := validateNamespacedMeta(&obj.ObjectMeta)
	spec := field.NewPath("spec")
	errs = append(errs, validateWorkload(&obj.Spec.Resource, spec.Child("resource"), false)...)
	errs = append(errs, validateTime(obj.Spec.ScanTime, spec.Child("scanTime"))...)
	if obj.Spec.Scanner != nil {
		errs = append(errs, validateTool(obj.Spec.Scanner, spec.Child("scanner"))...)
	}
	errs = append(errs, validateStringSet(obj.Spec.Frameworks, spec.Child("frameworks"))...)
	controls := spec.Child("controls")
	errs = append(errs, validateUnique(len(obj.Spec.Controls), func(i int) string { return obj.Spec.Controls[i].ControlID }, controls, "controlID")...)
	for i := range obj.Spec.Controls {
		errs = append(errs, validateControlResult(&obj.Spec.Controls[i], controls.Index(i))...)
	}
	return errs
}

func validateControlResult(c *v1beta1.ControlResult, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if c.ControlID != "" {
		errs = append(errs, validateControlID(c.ControlID, fldPath.Child("controlID"))...)
	}
	errs = append(errs, validateRequired(c.Name, fldPath.Child("name"), "the name of the control")...)
	errs = append(errs, validateEnum(c.Severity, fldPath.Child("severity"), true, severities...)...)
	errs = append(errs, validateEnum(c.Status, fldPath.Child("status"), true, controlStatuses...)...)
	for i, p := range c.FailedPaths {
		errs = append(errs, validateRequired(p, fldPath.Child("failedPaths").Index(i), "a field path")...)
	}
	for i, p := range c.ReviewPaths {
		errs = append(errs, validateRequired(p, fldPath.Child("reviewPaths").Index(i), "a field path")...)
	}
	for i, fix := range c.FixPaths {
		errs = append(errs, validateRequired(fix.Path, fldPath.Child("fixPaths").Index(i).Child("path"), "the field to set")...)
	}
	if c.Status == v1beta1.ControlStatusPassed && (len(c.FailedPaths) > 0 || len(c.FixPaths) > 0) {
		errs = append(errs, field.Forbidden(fldPath.Child("failedPaths"), "a passed control has no failed or fix paths"))
	}
	if c.Status == v1beta1.ControlStatusExcepted && c.ExceptionReason == "" {
		errs = append(errs, field.Required(fldPath.Child("exceptionReason"), "the exception that accepted the failure"))
	}
	if c.Status != v1beta1.ControlStatusExcepted && c.ExceptionReason != "" {
		errs = append(errs, field.Forbidden(fldPath.Child("exceptionReason"), "only for status excepted"))
	}
	return errs
}

// ValidateWorkloadConfigurationScanUpdate validates a
// WorkloadConfigurationScan on update; the scanned resource cannot change.
func ValidateWorkloadConfigurationScanUpdate(newObj, oldObj *v1beta1.WorkloadConfigurationScan) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	errs = append(errs, ValidateWorkloadConfigurationScan(newObj)...)
	return append(errs, immutable(newObj.Spec.Resource, oldObj.Spec.Resource, field.NewPath("spec", "resource"))...)
}

// ValidateWorkloadConfigurationScanSummary validates a
// WorkloadConfigurationScanSummary on create.
func ValidateWorkloadConfigurationScanSummary(obj *v1beta1.WorkloadConfigurationScanSummary) field.ErrorList {
	errs := validateNamespacedMeta(&obj.ObjectMeta)
	spec := field.NewPath("spec")
	errs = append(errs, validateWorkload(&obj.Spec.Resource, spec.Child("resource"), false)...)
	errs = append(errs, validateTime(obj.Spec.ScanTime, spec.Child("scanTime"))...)
	errs = append(errs, validateSeverityCounts(&obj.Spec.Severities, spec.Child("severities"))...)
	controls := spec.Child("controls")
	errs = append(errs, validateUnique(len(obj.Spec.Controls), func(i int) string { return obj.Spec.Controls[i].ControlID }, controls, "controlID")...)
	for i, c := range obj.Spec.Controls {
		p := controls.Index(i)
		if c.ControlID != "" {
			errs = append(errs, validateControlID(c.ControlID, p.Child("controlID"))...)
		}
		errs = append(errs, validateEnum(c.Status, p.Child("status"), true, controlStatuses...)...)
		errs = append(errs, validateEnum(c.Severity, p.Child("severity"), true, severities...)...)
	}
	return errs
}

func validateSeverityCounts(c *v1beta1.SeverityCounts, fldPath *field.Path) field.ErrorList {
	errs := validateCount(c.Critical, fldPath.Child("critical"))
	errs = append(errs, validateCount(c.High, fldPath.Child("high"))...)
	errs = append(errs, validateCount(c.Medium, fldPath.Child("medium"))...)
	return append(errs, validateCount(c.Low, fldPath.Child("low"))...)
}

// ValidateWorkloadConfigurationScanSummaryUpdate validates a
// WorkloadConfigurationScanSummary on update; the scanned resource cannot change.
func ValidateWorkloadConfigurationScanSummaryUpdate(newObj, oldObj *v1beta1.WorkloadConfigurationScanSummary) field.ErrorList {
	errs := validateMetaUpdate(&newObj.ObjectMeta, &oldObj.ObjectMeta)
	errs = append(errs, ValidateWorkloadConfigurationScanSummary(newObj)...)
	return append(errs, immutable(newObj.Spec.Resource, oldObj.Spec.Resource, field.NewPath("spec", "resource"))...)
}

// ValidateConfigurationScanSummary validates a ConfigurationScanSummary.
// The server computes these objects (clients cannot write them); the check
// guards the computation: the name is a namespace name, the counts are not
// negative and the workload counts agree with the list of summaries.
func ValidateConfigurationScanSummary(obj *v1beta1.ConfigurationScanSummary) field.ErrorList {
	errs := apimachineryvalidation.ValidateObjectMeta(&obj.ObjectMeta, false, apimachineryvalidation.NameIsDNSLabel, field.NewPath("metadata"))
	spec := field.NewPath("spec")
	errs = append(errs, validateSeverityCounts(&obj.Spec.Severities, spec.Child("severities"))...)
	errs = append(errs, validateCount(obj.Spec.Workloads, spec.Child("workloads"))...)
	errs = append(errs, validateCount(obj.Spec.FailedWorkloads, spec.Child("failedWorkloads"))...)
	if obj.Spec.FailedWorkloads > obj.Spec.Workloads {
		errs = append(errs, field.Invalid(spec.Child("failedWorkloads"), obj.Spec.FailedWorkloads, "must not exceed workloads"))
	}
	if len(obj.Spec.Summaries) > 0 && int64(len(obj.Spec.Summaries)) != obj.Spec.Workloads {
		errs = append(errs, field.Invalid(spec.Child("workloads"), obj.Spec.Workloads, "must equal the number of summaries listed"))
	}
	summaries := spec.Child("summaries")
	errs = append(errs, validateUnique(len(obj.Spec.Summaries), func(i int) string { return obj.Spec.Summaries[i].Name }, summaries, "name")...)
	for i, s := range obj.Spec.Summaries {
		errs = append(errs, validateDNSSubdomain(s.Name, summaries.Index(i).Child("name"), false)...)
		errs = append(errs, validateRequired(s.Kind, summaries.Index(i).Child("kind"), "the kind of the scanned resource")...)
	}
	return errs
}
