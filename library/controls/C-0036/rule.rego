package kubescape.controls.c0036

import data.kubescape.lib.network

deny contains {
	"message": sprintf("ValidatingWebhookConfiguration %s: webhook %q is sent every Secret created or updated through the API, values included", [input.metadata.name, w.name]),
	"reviewPaths": [sprintf("webhooks[%d].rules[%d].resources", [i, j])],
} if {
	input.kind == "ValidatingWebhookConfiguration"
	some i, w in input.webhooks
	some j, rule in network.as_array(object.get(w, "rules", []))
	network.rule_covers(rule, "", "secrets", "")
}

deny contains {
	"message": sprintf("ValidatingWebhookConfiguration %s: webhook %q sends the objects it admits to %s, outside the cluster's Services", [input.metadata.name, w.name, w.clientConfig.url]),
	"reviewPaths": [sprintf("webhooks[%d].clientConfig.url", [i])],
} if {
	input.kind == "ValidatingWebhookConfiguration"
	some i, w in input.webhooks
	w.clientConfig.url
}
