package vap

import (
	"errors"
	"fmt"
	"math"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/checker"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	plugincel "k8s.io/apiserver/pkg/admission/plugin/cel"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/cel/environment"
	"k8s.io/apiserver/pkg/cel/library"
)

// The API server enforces two runtime limits on a ValidatingAdmissionPolicy:
// each expression (a variable, a validation, a message expression) may cost
// at most PerCallLimit, and everything one binding evaluates on one request
// at most RuntimeCELCostBudget. It checks no static estimate: a policy over
// budget is accepted and then fails closed (failurePolicy Fail denies) on
// the objects that are too large. The estimate below bounds the cost for
// objects within CostBounds, so that a policy that would fail closed on a
// reasonable object is refused at generation time instead.
const (
	// PerExpressionLimit is the API server's per-expression runtime cost limit.
	PerExpressionLimit = celconfig.PerCallLimit
	// PolicyLimit is the API server's runtime cost budget per binding and request.
	PolicyLimit = celconfig.RuntimeCELCostBudget
)

// CostBounds are the sizes the estimate assumes of every list, map and
// string an expression reads: far beyond real workloads (a pod with a
// hundred containers, each with a hundred ports, mounts, env vars and
// capabilities).
var CostBounds = struct {
	ListSize, StringLength uint64
}{ListSize: 32, StringLength: 512}

// ExpressionCost is the estimated worst-case cost of one expression.
type ExpressionCost struct {
	// Field names the expression in the policy, e.g. validations[0].expression.
	Field string
	Cost  uint64
}

// PolicyCost is the estimated worst-case cost of a policy.
type PolicyCost struct {
	Expressions []ExpressionCost
	// Total is what one request may spend: every variable, validation and
	// message expression evaluated once.
	Total uint64
}

// ErrTooExpensive marks a policy whose estimated cost exceeds a limit.
var ErrTooExpensive = errors.New("estimated cost exceeds the API server's limit")

// Check returns an error wrapping ErrTooExpensive when an expression or the
// whole policy exceeds the API server's limits.
func (pc PolicyCost) Check() error {
	var errs []error
	for _, e := range pc.Expressions {
		if e.Cost > PerExpressionLimit {
			errs = append(errs, fmt.Errorf("%s: %w: %d > %d per expression", e.Field, ErrTooExpensive, e.Cost, PerExpressionLimit))
		}
	}
	if pc.Total > PolicyLimit {
		errs = append(errs, fmt.Errorf("policy: %w: %d > %d per request", ErrTooExpensive, pc.Total, PolicyLimit))
	}
	return errors.Join(errs...)
}

// costEnv extends the composition environment of a policy (where
// variables.<name> has the type of each variable compiled so far) with what
// the API server declares for every expression.
func costEnv(compiler *plugincel.CompositedCompiler, hasParams bool) (*cel.Env, error) {
	env, err := compiler.Env(environment.StoredExpressions)
	if err != nil {
		return nil, err
	}
	opts := []cel.EnvOption{
		cel.Variable("object", cel.DynType),
		cel.Variable("oldObject", cel.DynType),
		cel.Variable("request", cel.DynType),
		cel.Variable("namespaceObject", cel.DynType),
		cel.Variable("authorizer", library.AuthorizerType),
	}
	if hasParams {
		opts = append(opts, cel.Variable("params", cel.DynType))
	}
	return env.Extend(opts...)
}

// boundedSizes estimates every list, map and string at CostBounds.
type boundedSizes struct{}

func (boundedSizes) EstimateSize(element checker.AstNode) *checker.SizeEstimate {
	t := element.Type()
	switch {
	case t == nil:
		return nil
	case t.Kind() == cel.StringType.Kind() || t.Kind() == cel.BytesType.Kind():
		return &checker.SizeEstimate{Min: 0, Max: CostBounds.StringLength}
	default:
		return &checker.SizeEstimate{Min: 0, Max: CostBounds.ListSize}
	}
}

func (boundedSizes) EstimateCallCost(string, string, *checker.AstNode, []checker.AstNode) *checker.CallEstimate {
	return nil
}

// EstimateCost estimates the worst-case cost of every expression of a
// policy, with the API server's cost model for its CEL libraries, on
// objects within CostBounds.
func EstimateCost(p *admissionregistrationv1.ValidatingAdmissionPolicy) (PolicyCost, error) {
	compiler, err := plugincel.NewCompositedCompiler(baseEnv())
	if err != nil {
		return PolicyCost{}, fmt.Errorf("CEL environment: %w", err)
	}
	hasParams := p.Spec.ParamKind != nil
	var pc PolicyCost
	var errs []error
	estimate := func(field, expr string) {
		if expr == "" {
			return
		}
		env, err := costEnv(compiler, hasParams)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: CEL environment: %w", field, err))
			return
		}
		ast, iss := env.Compile(expr)
		if iss.Err() != nil {
			errs = append(errs, fmt.Errorf("%s: %w", field, iss.Err()))
			return
		}
		est, err := env.EstimateCost(ast, &library.CostEstimator{SizeEstimator: boundedSizes{}})
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: estimate cost: %w", field, err))
			return
		}
		pc.Expressions = append(pc.Expressions, ExpressionCost{Field: field, Cost: est.Max})
		if pc.Total > math.MaxUint64-est.Max {
			pc.Total = math.MaxUint64
		} else {
			pc.Total += est.Max
		}
	}
	optional := plugincel.OptionalVariableDeclarations{HasParams: hasParams, HasAuthorizer: true}
	for i, v := range p.Spec.Variables {
		estimate(fmt.Sprintf("variables[%d] %s", i, v.Name), v.Expression)
		compiler.CompileAndStoreVariable(&validating.Variable{Name: v.Name, Expression: v.Expression}, optional, environment.StoredExpressions)
	}
	for i, v := range p.Spec.Validations {
		estimate(fmt.Sprintf("validations[%d].expression", i), v.Expression)
		estimate(fmt.Sprintf("validations[%d].messageExpression", i), v.MessageExpression)
	}
	return pc, errors.Join(errs...)
}
