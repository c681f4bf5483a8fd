package library

import (
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/types"
)

// Rules read related objects through two built-in functions that the engine
// implements (package engine), from the objects of a scan or the webhook's
// view of a cluster. The engine converts the objects of a namespace to Rego
// values when a rule first asks for them, so that a large scan never holds
// every related object as Rego values at once. Rules reach them through the
// helpers of lib/k8s.rego, lib/network.rego and lib/rbac.rego.
var (
	// InventoryBuiltin: kubescape.inventory(namespace, kind) is the array
	// of the scanned objects of a kind in a namespace ([] for "").
	InventoryBuiltin = &ast.Builtin{
		Name:        "kubescape.inventory",
		Description: "Returns the scanned objects of a kind in a namespace.",
		Decl: types.NewFunction(
			types.Args(types.Named("namespace", types.S), types.Named("kind", types.S)),
			types.Named("objects", types.NewArray(nil, types.A)),
		),
	}
	// ClusterInventoryBuiltin: kubescape.cluster_inventory(kind) is the
	// array of the scanned cluster-scoped objects of a kind.
	ClusterInventoryBuiltin = &ast.Builtin{
		Name:        "kubescape.cluster_inventory",
		Description: "Returns the scanned cluster-scoped objects of a kind.",
		Decl: types.NewFunction(
			types.Args(types.Named("kind", types.S)),
			types.Named("objects", types.NewArray(nil, types.A)),
		),
	}
)

func init() {
	ast.RegisterBuiltin(InventoryBuiltin)
	ast.RegisterBuiltin(ClusterInventoryBuiltin)
}
