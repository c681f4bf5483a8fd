package certs

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// SecretManager serves the key pair kept in a Secret, and renews the
// Secret's CA and serving certificate before they expire: a renewed CA is
// first added to the caBundle of the ValidatingWebhookConfiguration (beside
// the old one), then the Secret is updated, and every replica reloads the
// pair from its watch of the Secret.
type SecretManager struct {
	Client          kubernetes.Interface
	Namespace, Name string
	// Spec is what the serving certificate must name.
	Spec Spec
	// Webhook names the ValidatingWebhookConfiguration whose caBundle
	// follows the CA; empty to leave registrations alone.
	Webhook string
	// Rotate renews the Secret when due; without it the manager only reads.
	Rotate bool
	// CheckEvery is how often renewal is checked; one hour when zero.
	CheckEvery time.Duration
	Keypair    *Keypair
	Log        *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

func (m *SecretManager) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// Start loads the pair once (renewing it first when due), then keeps it
// current in the background until ctx ends.
func (m *SecretManager) Start(ctx context.Context) error {
	if err := m.Sync(ctx); err != nil {
		return err
	}
	factory := informers.NewSharedInformerFactoryWithOptions(m.Client, 0,
		informers.WithNamespace(m.Namespace),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("metadata.name", m.Name).String()
		}))
	inf := factory.Core().V1().Secrets().Informer()
	load := func(obj any) {
		s, ok := obj.(*corev1.Secret)
		if !ok || s.Name != m.Name {
			return
		}
		if changed, err := m.Keypair.Set(s.Data[CertKey], s.Data[KeyKey]); err != nil {
			m.Log.Warn("serving certificate in the Secret does not load; keeping the current one", "secret", m.Namespace+"/"+m.Name, "error", err)
		} else if changed {
			leaf := m.Keypair.Leaf()
			m.Log.Info("serving certificate reloaded from the Secret", "secret", m.Namespace+"/"+m.Name, "notAfter", leaf.NotAfter.UTC().Format(time.RFC3339))
		}
	}
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    load,
		UpdateFunc: func(_, obj any) { load(obj) },
	}); err != nil {
		return fmt.Errorf("watch the TLS Secret: %w", err)
	}
	factory.Start(ctx.Done())
	go func() {
		every := m.CheckEvery
		if every <= 0 {
			every = time.Hour
		}
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				factory.Shutdown()
				return
			case <-t.C:
			}
			if err := m.Sync(ctx); err != nil && ctx.Err() == nil {
				m.Log.Error("TLS Secret not renewed; retrying at the next check", "secret", m.Namespace+"/"+m.Name, "error", err)
			}
		}
	}()
	return nil
}

// Sync reads the Secret, renews what is due (when Rotate), makes sure the
// webhook registration trusts the current CA, and loads the serving pair.
func (m *SecretManager) Sync(ctx context.Context) error {
	secrets := m.Client.CoreV1().Secrets(m.Namespace)
	for attempt := 0; ; attempt++ {
		s, err := secrets.Get(ctx, m.Name, metav1.GetOptions{})
		if err != nil {
			if apierrors.IsNotFound(err) {
				return fmt.Errorf("TLS Secret %s/%s not found: run 'kubectl kubescape webhook install' to create it", m.Namespace, m.Name)
			}
			return fmt.Errorf("read TLS Secret %s/%s: %w", m.Namespace, m.Name, err)
		}
		b := &Bundle{CACert: s.Data[CACertKey], CAKey: s.Data[CAKeyKey], Cert: s.Data[CertKey], Key: s.Data[KeyKey]}
		if m.Rotate {
			nb, ch, err := Ensure(b, m.Spec, m.now())
			if err != nil {
				return err
			}
			if ch.Changed() {
				m.Log.Info("renewing TLS material", "secret", m.Namespace+"/"+m.Name, "reasons", ch.Reasons)
				// The registration must trust the new CA before any replica serves a certificate it signed.
				if err := m.publishCA(ctx, nb.CACert); err != nil {
					return err
				}
				s = s.DeepCopy()
				SetSecretData(s, nb)
				_, err := secrets.Update(ctx, s, metav1.UpdateOptions{})
				if apierrors.IsConflict(err) && attempt < 3 {
					continue // another replica renewed it first: read it again
				}
				if err != nil {
					return fmt.Errorf("update TLS Secret %s/%s: %w", m.Namespace, m.Name, err)
				}
				b = nb
			} else if err := m.publishCA(ctx, b.CACert); err != nil {
				return err
			}
		}
		if _, err := m.Keypair.Set(b.Cert, b.Key); err != nil {
			return fmt.Errorf("TLS Secret %s/%s: %w", m.Namespace, m.Name, err)
		}
		return nil
	}
}

// publishCA makes every webhook of the registration trust the CA bundle.
func (m *SecretManager) publishCA(ctx context.Context, bundle []byte) error {
	if m.Webhook == "" {
		return nil
	}
	client := m.Client.AdmissionregistrationV1().ValidatingWebhookConfigurations()
	vwc, err := client.Get(ctx, m.Webhook, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil // not registered (yet): install writes the bundle when it registers
	}
	if err != nil {
		return fmt.Errorf("read ValidatingWebhookConfiguration %s: %w", m.Webhook, err)
	}
	changed := false
	for i := range vwc.Webhooks {
		if !bytes.Equal(vwc.Webhooks[i].ClientConfig.CABundle, bundle) {
			vwc.Webhooks[i].ClientConfig.CABundle = bundle
			changed = true
		}
	}
	if !changed {
		return nil
	}
	if _, err := client.Update(ctx, vwc, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("update the caBundle of ValidatingWebhookConfiguration %s: %w", m.Webhook, err)
	}
	m.Log.Info("CA bundle published", "webhook", m.Webhook)
	return nil
}

// SetSecretData writes a bundle into a Secret of type kubernetes.io/tls.
func SetSecretData(s *corev1.Secret, b *Bundle) {
	s.Type = corev1.SecretTypeTLS
	if s.Data == nil {
		s.Data = map[string][]byte{}
	}
	s.Data[CACertKey] = b.CACert
	s.Data[CAKeyKey] = b.CAKey
	s.Data[CertKey] = b.Cert
	s.Data[KeyKey] = b.Key
}
