package dev.npcnix.sign;

import dev.npcnix.archive.UnpackedEntry;
import dev.npcnix.follow.Release;
import dev.npcnix.follow.ReleaseVerifier;
import dev.npcnix.follow.UnpackedFlake;
import dev.npcnix.local.Digests;
import dev.npcnix.state.HostState;
import dev.npcnix.store.RemoteUri;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The host-side check of signed releases. With trusted keys configured, a release must carry
 * {@code .npcnix/manifest.json} signed ({@code .npcnix/manifest.sig}) by one of them, for this remote,
 * with a sequence number above the highest accepted, and the unpacked tree must be exactly what the
 * manifest lists (every path, type, mode, content hash and link target). Anything else is refused
 * before activation with a {@link SignatureException}, and the release is quarantined.
 */
public final class ManifestVerifier implements ReleaseVerifier {
    private final List<NixKeys.PublicKeyText> trusted;

    public ManifestVerifier(List<NixKeys.PublicKeyText> trusted) {
        this.trusted = List.copyOf(trusted);
    }

    /** {@link ReleaseVerifier#NONE} without keys, else a verifier for these {@code name:base64} keys. */
    public static ReleaseVerifier forKeys(List<String> keyTexts) {
        if (keyTexts.isEmpty()) {
            return ReleaseVerifier.NONE;
        }
        return new ManifestVerifier(keyTexts.stream().map(NixKeys::parsePublic).toList());
    }

    @Override
    public OptionalLong verify(UnpackedFlake flake, HostState state) {
        Release release = flake.release();
        Manifest m = check(flake.dir(), entries(flake.entries()), "release " + release.etag() + " of " + release.remote(),
                Optional.of(release.remote()));
        if (m.sequence() <= state.highestSequence()) {
            throw new SignatureException("release " + release.etag() + " of " + release.remote() + ": sequence " + m.sequence()
                    + " is not above " + state.highestSequence() + ", the highest accepted (a replay or a downgrade)");
        }
        return OptionalLong.of(m.sequence());
    }

    /**
     * Checks signature, remote and content of an unpacked release; the sequence is the caller's.
     *
     * @param what names the release in errors
     * @param remote the remote it must be for, when known
     */
    public Manifest check(Path dir, String what, Optional<RemoteUri> remote) {
        return check(dir, describe(dir), what, remote);
    }

    /** As {@link #check(Path, String, Optional)}, with the tree's entries as the unpack reported them. */
    private Manifest check(Path dir, Map<String, Manifest.Entry> actual, String what, Optional<RemoteUri> remote) {
        byte[] json = readRegular(dir.resolve(Manifest.FILE));
        byte[] sig = readRegular(dir.resolve(Manifest.SIGNATURE));
        if (json == null || sig == null) {
            throw new SignatureException(what + ": not signed (no " + Manifest.FILE + " and " + Manifest.SIGNATURE
                    + "), and this host requires signed releases");
        }
        String sigText = new String(sig, StandardCharsets.US_ASCII).strip();
        int colon = sigText.indexOf(':');
        if (colon <= 0) {
            throw new SignatureException(what + ": malformed signature file (expected NAME:BASE64)");
        }
        String keyName = sigText.substring(0, colon);
        NixKeys.PublicKeyText key = trusted.stream().filter(k -> k.name().equals(keyName)).findFirst()
                .orElseThrow(() -> new SignatureException(what + ": signed with unknown key '" + keyName + "' (trusted: "
                        + String.join(", ", trusted.stream().map(NixKeys.PublicKeyText::name).toList()) + ")"));
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(sigText.substring(colon + 1));
        } catch (IllegalArgumentException e) {
            throw new SignatureException(what + ": malformed signature (not base64)");
        }
        if (!key.verifies(json, raw)) {
            throw new SignatureException(what + ": bad signature by key '" + keyName + "' (manifest altered, or signed by another key of that name)");
        }
        Manifest m;
        try {
            m = Manifest.parse(json);
        } catch (IOException e) {
            throw new SignatureException(what + ": signed manifest is unreadable: " + e.getMessage());
        }
        if (remote.isPresent() && !remote.get().toString().equals(m.remote())) {
            throw new SignatureException(what + ": manifest is for another remote (" + m.remote() + ")");
        }
        if (!actual.equals(m.entries())) {
            throw new SignatureException(what + ": content does not match its signed manifest: " + difference(m.entries(), actual));
        }
        return m;
    }

    /**
     * What an unpack reported, as a manifest lists it: every entry except {@code .npcnix/}, with the
     * directories it created for them, as {@link #describe} would find the tree on disk.
     */
    public static Map<String, Manifest.Entry> entries(List<UnpackedEntry> unpacked) {
        Map<String, Manifest.Entry> out = new TreeMap<>();
        for (UnpackedEntry e : unpacked) {
            if (isMetadata(e.path())) {
                continue;
            }
            for (int slash = e.path().indexOf('/'); slash > 0; slash = e.path().indexOf('/', slash + 1)) {
                out.put(e.path().substring(0, slash) + "/", Manifest.Entry.dir()); // implicit parents exist too
            }
            switch (e.type()) {
                case DIRECTORY -> out.put(e.path() + "/", Manifest.Entry.dir());
                case SYMLINK -> out.put(e.path(), Manifest.Entry.symlink(Path.of(e.linkTarget()).toString()));
                case FILE -> out.put(e.path(), Manifest.Entry.file((e.mode() & 0100) != 0, e.sha256()));
            }
        }
        return out;
    }

    private static boolean isMetadata(String rel) {
        return rel.equals(Manifest.DIR) || rel.startsWith(Manifest.DIR + "/");
    }

    /** Every entry under {@code root} except {@code .npcnix/}, as a manifest lists it. */
    public static Map<String, Manifest.Entry> describe(Path root) {
        Map<String, Manifest.Entry> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (p.equals(root)) {
                    continue;
                }
                String rel = root.relativize(p).toString().replace('\\', '/');
                if (isMetadata(rel)) {
                    continue;
                }
                if (Files.isSymbolicLink(p)) {
                    out.put(rel, Manifest.Entry.symlink(Files.readSymbolicLink(p).toString()));
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.put(rel + "/", Manifest.Entry.dir());
                } else {
                    boolean exec = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS).contains(PosixFilePermission.OWNER_EXECUTE);
                    out.put(rel, Manifest.Entry.file(exec, Digests.sha256Hex(p)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + root + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static String difference(Map<String, Manifest.Entry> expected, Map<String, Manifest.Entry> actual) {
        List<String> problems = new ArrayList<>();
        TreeSet<String> all = new TreeSet<>(expected.keySet());
        all.addAll(actual.keySet());
        for (String path : all) {
            Manifest.Entry e = expected.get(path);
            Manifest.Entry a = actual.get(path);
            if (e == null) {
                problems.add(path + " is not in the manifest");
            } else if (a == null) {
                problems.add(path + " is missing");
            } else if (!e.equals(a)) {
                problems.add(path + " differs");
            }
            if (problems.size() == 3) {
                break;
            }
        }
        return String.join(", ", problems);
    }

    private static byte[] readRegular(Path file) {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
