package vap

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/version"
	"k8s.io/apiserver/pkg/admission"
	plugincel "k8s.io/apiserver/pkg/admission/plugin/cel"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/cel/environment"
)

// MinKubernetesVersion is the oldest API server release whose CEL
// environment must accept every generated policy (ValidatingAdmissionPolicy
// is GA, admissionregistration.k8s.io/v1, since 1.30).
var MinKubernetesVersion = version.MajorMinor(1, 30)

// baseEnv is the environment the API server's ValidatingAdmissionPolicy
// plugin compiles policies with (its default compatibility version).
var baseEnv = sync.OnceValue(func() *environment.EnvSet {
	return environment.MustBaseEnvSet(environment.DefaultCompatibilityVersion())
})

// minEnv is the environment of the oldest supported API server.
var minEnv = sync.OnceValue(func() *environment.EnvSet {
	return environment.MustBaseEnvSet(MinKubernetesVersion)
})

// Compiled is a policy compiled as the API server compiles it, ready to
// validate objects with the API server's own validator.
type Compiled struct {
	Policy *admissionregistrationv1.ValidatingAdmissionPolicy

	validator   validating.Validator
	validations plugincel.ConditionEvaluator
	messages    plugincel.ConditionEvaluator
}

// Compile compiles a policy with the CEL environment and the composition of
// variables that the API server's ValidatingAdmissionPolicy plugin uses.
// Any expression that does not compile (in the current environment, or in
// that of MinKubernetesVersion, where a new policy must also be accepted) is
// an error naming it.
func Compile(p *admissionregistrationv1.ValidatingAdmissionPolicy) (*Compiled, error) {
	if err := compileErrors(p, minEnv(), environment.NewExpressions); err != nil {
		return nil, fmt.Errorf("policy %s (as Kubernetes %s compiles a new policy): %w", p.Name, MinKubernetesVersion, err)
	}
	if err := compileErrors(p, baseEnv(), environment.NewExpressions); err != nil {
		return nil, fmt.Errorf("policy %s: %w", p.Name, err)
	}
	hasParams := p.Spec.ParamKind != nil
	optional := plugincel.OptionalVariableDeclarations{HasParams: hasParams, HasAuthorizer: true}
	messageOptional := plugincel.OptionalVariableDeclarations{HasParams: hasParams}
	compiler, err := plugincel.NewCompositedCompiler(baseEnv())
	if err != nil {
		return nil, fmt.Errorf("policy %s: CEL environment: %w", p.Name, err)
	}
	compiler.CompileAndStoreVariables(variableAccessors(p), optional, environment.StoredExpressions)
	validations := compiler.CompileCondition(validationAccessors(p), optional, environment.StoredExpressions)
	messages := compiler.CompileCondition(messageAccessors(p), messageOptional, environment.StoredExpressions)
	auditAnnotations := compiler.CompileCondition(nil, optional, environment.StoredExpressions)
	return &Compiled{
		Policy:      p,
		validator:   validating.NewValidator(validations, nil, auditAnnotations, messages, p.Spec.FailurePolicy, nil),
		validations: validations,
		messages:    messages,
	}, nil
}

func variableAccessors(p *admissionregistrationv1.ValidatingAdmissionPolicy) []plugincel.NamedExpressionAccessor {
	out := make([]plugincel.NamedExpressionAccessor, len(p.Spec.Variables))
	for i, v := range p.Spec.Variables {
		out[i] = &validating.Variable{Name: v.Name, Expression: v.Expression}
	}
	return out
}

func validationAccessors(p *admissionregistrationv1.ValidatingAdmissionPolicy) []plugincel.ExpressionAccessor {
	out := make([]plugincel.ExpressionAccessor, len(p.Spec.Validations))
	for i, v := range p.Spec.Validations {
		out[i] = &validating.ValidationCondition{Expression: v.Expression, Message: v.Message, Reason: v.Reason}
	}
	return out
}

func messageAccessors(p *admissionregistrationv1.ValidatingAdmissionPolicy) []plugincel.ExpressionAccessor {
	out := make([]plugincel.ExpressionAccessor, len(p.Spec.Validations))
	for i, v := range p.Spec.Validations {
		if v.MessageExpression != "" {
			out[i] = &validating.MessageExpressionCondition{MessageExpression: v.MessageExpression}
		}
	}
	return out
}

// compileErrors compiles every expression of a policy in one environment.
func compileErrors(p *admissionregistrationv1.ValidatingAdmissionPolicy, env *environment.EnvSet, mode environment.Type) error {
	hasParams := p.Spec.ParamKind != nil
	optional := plugincel.OptionalVariableDeclarations{HasParams: hasParams, HasAuthorizer: true}
	messageOptional := plugincel.OptionalVariableDeclarations{HasParams: hasParams}
	compiler, err := plugincel.NewCompositedCompiler(env)
	if err != nil {
		return fmt.Errorf("CEL environment: %w", err)
	}
	var errs []error
	for i, v := range variableAccessors(p) {
		if r := compiler.CompileAndStoreVariable(v, optional, mode); r.Error != nil {
			errs = append(errs, fmt.Errorf("variables[%d] %s: %w", i, p.Spec.Variables[i].Name, r.Error))
		}
	}
	for i, v := range validationAccessors(p) {
		if r := compiler.CompileCELExpression(v, optional, mode); r.Error != nil {
			errs = append(errs, fmt.Errorf("validations[%d].expression: %w", i, r.Error))
		}
	}
	for i, v := range messageAccessors(p) {
		if v == nil {
			continue
		}
		if r := compiler.CompileCELExpression(v, messageOptional, mode); r.Error != nil {
			errs = append(errs, fmt.Errorf("validations[%d].messageExpression: %w", i, r.Error))
		}
	}
	return errors.Join(errs...)
}

// Decision is what a policy decided on one object.
type Decision struct {
	// Failed is true when a validation denied the object.
	Failed bool
	// Messages are the messages of the failing validations.
	Messages []string
	// Errors are evaluation errors (with failurePolicy Fail they deny too).
	Errors []string
	// MessageErrors are errors of the message expressions of failing
	// validations (the API server then shows the static message).
	MessageErrors []string
	// Cost is the runtime cost of the validations and their messages, as
	// the API server counts it against its per-binding budget.
	Cost int64
}

// Request is one object to admit.
type Request struct {
	Object   runtime.Object
	Resource Resource
	// Namespace is the namespace of the request ("" for cluster-scoped kinds).
	Namespace string
	Name      string
	// Params is the params object; nil for a policy without paramKind.
	Params runtime.Object
}

// Validate runs the API server's validator on a CREATE of the object.
func (c *Compiled) Validate(ctx context.Context, r Request) Decision {
	attr := admission.NewAttributesRecord(r.Object, nil, r.Resource.GVK(), r.Namespace, r.Name, r.Resource.GroupVersionResource,
		"", admission.Create, &metav1.CreateOptions{}, false, &user.DefaultInfo{Name: "kubescape-vap"})
	va := &admission.VersionedAttributes{Attributes: attr, VersionedKind: r.Resource.GVK(), VersionedObject: admission.NewLazyObject(r.Object)}
	var ns *corev1.Namespace
	if r.Namespace != "" {
		ns = &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: r.Namespace, Labels: map[string]string{"kubernetes.io/metadata.name": r.Namespace}}}
	}
	res := c.validator.Validate(ctx, r.Resource.GroupVersionResource, va, r.Params, ns, celconfig.RuntimeCELCostBudget, nil)
	var d Decision
	failing := map[int]bool{}
	for i, dec := range res.Decisions {
		switch dec.Evaluation {
		case validating.EvalDeny:
			d.Failed = true
			d.Messages = append(d.Messages, dec.Message)
			failing[i] = true
		case validating.EvalError:
			d.Errors = append(d.Errors, dec.Message)
		}
	}
	d.Cost, d.MessageErrors = c.inspect(ctx, va, r, failing)
	return d
}

// inspect evaluates the validations and messages again to read the runtime
// cost they spend from the budget, and the errors of the message
// expressions of the failing validations (the validator reports neither:
// it falls back to the static message).
func (c *Compiled) inspect(ctx context.Context, va *admission.VersionedAttributes, r Request, failing map[int]bool) (int64, []string) {
	request := plugincel.CreateAdmissionRequest(va.Attributes, metav1.GroupVersionResource(r.Resource.GroupVersionResource), metav1.GroupVersionKind(r.Resource.GVK()))
	budget := int64(celconfig.RuntimeCELCostBudget)
	bindings := plugincel.OptionalVariableBindings{VersionedParams: r.Params}
	_, left, err := c.validations.ForInput(ctx, va, request, bindings, nil, budget)
	if err != nil || left < 0 {
		return budget, nil
	}
	results, left2, err := c.messages.ForInput(ctx, va, request, bindings, nil, left)
	if err != nil || left2 < 0 {
		return budget, []string{fmt.Sprintf("messages: %v", err)}
	}
	var errs []string
	for i, res := range results {
		if failing[i] && res.Error != nil {
			errs = append(errs, fmt.Sprintf("validations[%d].messageExpression: %v", i, res.Error))
		}
	}
	return budget - left2, errs
}

// String summarizes a decision for test failures and logs.
func (d Decision) String() string {
	verdict := "passed"
	if d.Failed {
		verdict = "failed"
	}
	var b strings.Builder
	b.WriteString(verdict)
	if len(d.Messages) > 0 {
		fmt.Fprintf(&b, " %q", d.Messages)
	}
	if len(d.Errors) > 0 {
		fmt.Fprintf(&b, " errors %q", d.Errors)
	}
	return b.String()
}
