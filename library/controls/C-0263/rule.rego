package kubescape.controls.c0263

deny contains {
	"message": sprintf("Ingress %s configures no TLS: its hosts are served over plain HTTP", [input.metadata.name]),
	"fixPaths": array.concat(
		[{"path": sprintf("spec.tls[0].hosts[%d]", [i]), "value": host} | some i, host in hosts],
		[{"path": "spec.tls[0].secretName", "value": "YOUR_TLS_SECRET"}],
	),
} if {
	input.kind == "Ingress"
	count(tls) == 0
	not annotated
}

deny contains {
	"message": sprintf("Ingress %s serves host %s without TLS: no spec.tls entry lists it", [input.metadata.name, host]),
	"failedPaths": [sprintf("spec.rules[%d].host", [i])],
} if {
	input.kind == "Ingress"
	count(tls) > 0
	some i, rule in input.spec.rules
	host := rule.host
	not covered(host)
}

tls := [t | some t in object.get(input, ["spec", "tls"], []); is_object(t)]

hosts := [h | some h in {h | some rule in object.get(input, ["spec", "rules"], []); h := rule.host; h != ""}]

# Annotations with which cloud load balancer controllers attach a certificate.
certificate_annotations := {
	"alb.ingress.kubernetes.io/certificate-arn",
	"ingress.gcp.kubernetes.io/pre-shared-cert",
	"networking.gke.io/managed-certificates",
	"appgw.ingress.kubernetes.io/appgw-ssl-certificate",
}

annotated if {
	some name in certificate_annotations
	input.metadata.annotations[name] != ""
}

covered(_) if {
	some t in tls
	count(object.get(t, "hosts", [])) == 0
}

covered(host) if {
	some t in tls
	some h in t.hosts
	matches(h, host)
}

matches(pattern, host) if pattern == host

# *.example.com covers a.example.com, not a.b.example.com nor example.com.
matches(pattern, host) if {
	startswith(pattern, "*.")
	suffix := substring(pattern, 1, -1)
	endswith(host, suffix)
	not contains(trim_suffix(host, suffix), ".")
	trim_suffix(host, suffix) != ""
}
