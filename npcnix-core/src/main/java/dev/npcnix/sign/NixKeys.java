package dev.npcnix.sign;

import dev.npcnix.InvalidInputException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.EdECPublicKey;
import java.security.spec.EdECPoint;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.EdECPublicKeySpec;
import java.security.spec.NamedParameterSpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * Ed25519 keys in Nix's own text format, as {@code nix key generate-secret} and
 * {@code nix key convert-secret-to-public} write them: {@code name:base64}, where the secret is
 * libsodium's 64 bytes (32-byte seed, then the 32-byte public key) and the public key its 32 bytes.
 * Signatures are {@code name:base64} of the 64-byte Ed25519 signature, as in Nix narinfo files.
 * Uses only the JDK's Ed25519.
 */
public final class NixKeys {
    private static final NamedParameterSpec ED25519 = NamedParameterSpec.ED25519;

    private NixKeys() {
    }

    /** A named secret key. */
    public record SecretKey(String name, PrivateKey key, byte[] publicBytes) {
        /** The {@code name:base64} text of the matching public key. */
        public String publicKeyText() {
            return name + ":" + Base64.getEncoder().encodeToString(publicBytes);
        }

        /** The Nix text form of the secret key. */
        public String text() {
            byte[] seed = ((EdECPrivateKey) key).getBytes().orElseThrow();
            byte[] both = Arrays.copyOf(seed, 64);
            System.arraycopy(publicBytes, 0, both, 32, 32);
            return name + ":" + Base64.getEncoder().encodeToString(both);
        }

        /** {@code name:base64(signature)} of {@code message}. */
        public String sign(byte[] message) {
            try {
                Signature s = Signature.getInstance("Ed25519");
                s.initSign(key);
                s.update(message);
                return name + ":" + Base64.getEncoder().encodeToString(s.sign());
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("Ed25519 signing failed", e);
            }
        }
    }

    /** A named public key. */
    public record PublicKeyText(String name, PublicKey key, String text) {
        /** Whether {@code signature} ({@code name:base64}) is this key's valid signature of {@code message}. */
        public boolean verifies(byte[] message, byte[] rawSignature) {
            try {
                Signature s = Signature.getInstance("Ed25519");
                s.initVerify(key);
                s.update(message);
                return s.verify(rawSignature);
            } catch (GeneralSecurityException e) {
                return false;
            }
        }
    }

    /** A fresh key pair named {@code name} (e.g. {@code ci.example.com-1}). */
    public static SecretKey generate(String name) {
        validName(name);
        try {
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            return new SecretKey(name, pair.getPrivate(), encodePoint(((EdECPublicKey) pair.getPublic()).getPoint()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no Ed25519", e);
        }
    }

    /** Parses a secret key file's text ({@code name:base64} of 64 bytes). */
    public static SecretKey parseSecret(String text) {
        String[] parts = split(text, "secret key");
        byte[] bytes = decode(parts[1], "secret key " + parts[0]);
        if (bytes.length != 64) {
            throw new InvalidInputException("secret key " + parts[0] + ": expected 64 bytes, got " + bytes.length
                    + " (is this a public key?)");
        }
        try {
            PrivateKey key = KeyFactory.getInstance("Ed25519")
                    .generatePrivate(new EdECPrivateKeySpec(ED25519, Arrays.copyOf(bytes, 32)));
            SecretKey secret = new SecretKey(parts[0], key, Arrays.copyOfRange(bytes, 32, 64));
            // The public half stored in the file must be the one the seed derives.
            PublicKeyText pub = parsePublic(secret.publicKeyText());
            byte[] probe = "npcnix key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            String sig = secret.sign(probe);
            if (!pub.verifies(probe, Base64.getDecoder().decode(sig.substring(sig.indexOf(':') + 1)))) {
                throw new InvalidInputException("secret key " + parts[0] + ": its public half does not match its seed");
            }
            return secret;
        } catch (GeneralSecurityException e) {
            throw new InvalidInputException("secret key " + parts[0] + ": not an Ed25519 key: " + e.getMessage(), e);
        }
    }

    /** Parses a public key ({@code name:base64} of 32 bytes). */
    public static PublicKeyText parsePublic(String text) {
        String[] parts = split(text, "public key");
        byte[] bytes = decode(parts[1], "public key " + parts[0]);
        if (bytes.length != 32) {
            throw new InvalidInputException("public key " + parts[0] + ": expected 32 bytes, got " + bytes.length);
        }
        try {
            PublicKey key = KeyFactory.getInstance("Ed25519").generatePublic(new EdECPublicKeySpec(ED25519, decodePoint(bytes)));
            return new PublicKeyText(parts[0], key, text.strip());
        } catch (GeneralSecurityException e) {
            throw new InvalidInputException("public key " + parts[0] + ": not an Ed25519 key: " + e.getMessage(), e);
        }
    }

    private static String[] split(String text, String what) {
        String t = text == null ? "" : text.strip();
        int colon = t.indexOf(':');
        if (colon <= 0 || colon == t.length() - 1) {
            throw new InvalidInputException(what + ": expected NAME:BASE64 (the format of nix key generate-secret)");
        }
        String name = t.substring(0, colon);
        validName(name);
        return new String[] {name, t.substring(colon + 1)};
    }

    private static void validName(String name) {
        if (name == null || name.isEmpty() || !name.matches("[A-Za-z0-9._+-]+")) {
            throw new InvalidInputException("key name '" + name + "': use letters, digits and . _ + - (e.g. ci.example.com-1)");
        }
    }

    private static byte[] decode(String b64, String what) {
        try {
            return Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(what + ": not valid base64", e);
        }
    }

    /** RFC 8032 encoding: y little-endian, the top bit of the last byte holding x's parity. */
    static byte[] encodePoint(EdECPoint point) {
        byte[] be = point.getY().toByteArray();
        byte[] le = new byte[32];
        for (int i = 0; i < be.length && i < 32; i++) {
            le[i] = be[be.length - 1 - i];
        }
        if (point.isXOdd()) {
            le[31] |= (byte) 0x80;
        }
        return le;
    }

    static EdECPoint decodePoint(byte[] le) {
        byte[] be = new byte[32];
        for (int i = 0; i < 32; i++) {
            be[i] = le[31 - i];
        }
        boolean xOdd = (be[0] & 0x80) != 0;
        be[0] &= 0x7f;
        return new EdECPoint(xOdd, new BigInteger(1, be));
    }
}
