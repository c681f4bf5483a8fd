package registry

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/apiserver/pkg/registry/rest"
)

// column is one column of `kubectl get` for a resource, after NAME and
// before AGE.
type column struct {
	name, typ, description string
	// priority 0 shows by default; 1 only with -o wide.
	priority int32
	value    func(runtime.Object) any
}

// tableConvertor renders a resource's columns for `kubectl get`.
type tableConvertor struct{ columns []column }

func (r *resource) table() rest.TableConvertor { return tableConvertor{columns: r.columns} }

func (t tableConvertor) ConvertToTable(_ context.Context, obj runtime.Object, _ runtime.Object) (*metav1.Table, error) {
	table := &metav1.Table{
		ColumnDefinitions: []metav1.TableColumnDefinition{
			{Name: "Name", Type: "string", Format: "name", Description: "Name of the object"},
		},
	}
	for _, c := range t.columns {
		table.ColumnDefinitions = append(table.ColumnDefinitions, metav1.TableColumnDefinition{
			Name: c.name, Type: c.typ, Description: c.description, Priority: c.priority,
		})
	}
	table.ColumnDefinitions = append(table.ColumnDefinitions, metav1.TableColumnDefinition{
		Name: "Age", Type: "string", Description: "Time since the object was created",
	})
	add := func(o runtime.Object) error {
		m, err := meta.Accessor(o)
		if err != nil {
			return err
		}
		row := metav1.TableRow{Object: runtime.RawExtension{Object: o}}
		row.Cells = append(row.Cells, m.GetName())
		for _, c := range t.columns {
			row.Cells = append(row.Cells, c.value(o))
		}
		row.Cells = append(row.Cells, age(m.GetCreationTimestamp()))
		table.Rows = append(table.Rows, row)
		return nil
	}
	if meta.IsListType(obj) {
		if err := meta.EachListItem(obj, add); err != nil {
			return nil, err
		}
		if l, err := meta.ListAccessor(obj); err == nil {
			table.ResourceVersion = l.GetResourceVersion()
			table.Continue = l.GetContinue()
			table.RemainingItemCount = l.GetRemainingItemCount()
		}
		return table, nil
	}
	if err := add(obj); err != nil {
		return nil, fmt.Errorf("rendering a table row: %w", err)
	}
	if m, err := meta.Accessor(obj); err == nil {
		table.ResourceVersion = m.GetResourceVersion()
	}
	return table, nil
}

// age formats the time since t as kubectl does ("5m", "3d").
func age(t metav1.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(time.Since(t.Time))
}
