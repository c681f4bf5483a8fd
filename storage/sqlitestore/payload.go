package sqlitestore

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// tempPrefix starts the name of a payload file that is still being written.
const tempPrefix = ".tmp-"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func checksum(data []byte) uint32 { return crc32.Checksum(data, castagnoli) }

// payload is the stored form of one object version: inline bytes or the name
// of a file under payloads/, plus the length and checksum kept in its row.
type payload struct {
	data []byte // inline payload; nil when file is set
	file string // file name under payloads/, "" for inline payloads
	size int64
	crc  uint32
}

// record is one row of the revisions table as read back.
type record struct {
	key       string
	rv        int64
	prevRV    int64
	deleted   bool
	expiresAt int64 // Unix milliseconds, 0 without TTL
	payload   payload
}

// corruptPayloadError reports a stored payload that cannot be trusted.
type corruptPayloadError struct {
	key    string
	rv     int64
	reason string
}

func (e *corruptPayloadError) Error() string {
	return fmt.Sprintf("stored payload of %s at resource version %d is corrupt: %s; restore it from a backup or delete the object", e.key, e.rv, e.reason)
}

// newPayload prepares data for storage. A payload above the inline limit is
// written to its final file (temporary file, fsync, rename); the payload
// directory itself is fsynced by the writer before the commit that
// references the file.
func (db *DB) newPayload(data []byte) (payload, error) {
	p := payload{size: int64(len(data)), crc: checksum(data)}
	if len(data) <= db.opts.InlineLimit {
		p.data = data
		return p, nil
	}
	name, err := randomName()
	if err != nil {
		return payload{}, err
	}
	if err := writeFileDurably(db.payloadDir, name, data); err != nil {
		return payload{}, err
	}
	p.file = name
	return p, nil
}

// readPayload returns the stored bytes of rec after checking their length
// and checksum.
func (db *DB) readPayload(rec *record) ([]byte, error) {
	p := rec.payload
	data := p.data
	if p.file != "" {
		if !validPayloadName(p.file) {
			return nil, &corruptPayloadError{key: rec.key, rv: rec.rv, reason: fmt.Sprintf("its row names an invalid payload file %q", p.file)}
		}
		var err error
		data, err = os.ReadFile(filepath.Join(db.payloadDir, p.file))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &corruptPayloadError{key: rec.key, rv: rec.rv, reason: fmt.Sprintf("payload file %s is missing", filepath.Join(db.payloadDir, p.file))}
		}
		if err != nil {
			return nil, fmt.Errorf("read payload of %s: %w", rec.key, err)
		}
	}
	if int64(len(data)) != p.size {
		return nil, &corruptPayloadError{key: rec.key, rv: rec.rv, reason: fmt.Sprintf("%s holds %d bytes, expected %d", db.payloadLocation(p), len(data), p.size)}
	}
	if sum := checksum(data); sum != p.crc {
		return nil, &corruptPayloadError{key: rec.key, rv: rec.rv, reason: fmt.Sprintf("%s has CRC-32C %08x, expected %08x", db.payloadLocation(p), sum, p.crc)}
	}
	return data, nil
}

func (db *DB) payloadLocation(p payload) string {
	if p.file != "" {
		return "payload file " + filepath.Join(db.payloadDir, p.file)
	}
	return "inline payload"
}

// removePayloadFiles deletes payload files that no committed row references
// any more.
func (db *DB) removePayloadFiles(names []string) {
	for _, name := range names {
		if !validPayloadName(name) && !isTempPayload(name) {
			db.log.Info("Keeping a file with an unexpected name in the payload directory", "file", name)
			continue
		}
		if err := os.Remove(filepath.Join(db.payloadDir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			db.log.Error(err, "Remove payload file", "file", name)
		}
	}
}

// payloadNameLen is the length of payload file names: 16 random bytes in hex.
const payloadNameLen = 32

func validPayloadName(name string) bool {
	if len(name) != payloadNameLen {
		return false
	}
	for _, c := range name {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func randomName() (string, error) {
	var b [payloadNameLen / 2]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate payload file name: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// writeFileDurably writes data to dir/name so that the content is on disk
// before the name appears: temporary file, fsync, rename. The caller must
// fsync dir before relying on the name.
func writeFileDurably(dir, name string, data []byte) (err error) {
	tmp := filepath.Join(dir, tempPrefix+name)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create payload file: %w", err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("write payload file %s: %w", tmp, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("sync payload file %s: %w", tmp, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("close payload file %s: %w", tmp, err)
	}
	if err = os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("rename payload file %s: %w", tmp, err)
	}
	return nil
}

// isTempPayload reports whether name is a payload file that was never renamed
// into place.
func isTempPayload(name string) bool { return strings.HasPrefix(name, tempPrefix) }
