package dev.npcnix.store;

import java.util.regex.Pattern;

/**
 * Makes text from a server or library safe for a one-line message or a log: no query strings (a
 * pre-signed URL carries its signature and credential there), no signature or credential fields,
 * no line breaks, bounded length.
 */
final class Redact {
    private static final Pattern QUERY = Pattern.compile("(https?://[^\\s?\"'<>]*)\\?[^\\s\"'<>]*");
    private static final Pattern FIELDS = Pattern.compile(
            "(?i)\\b(signature|credential|x-amz-signature|x-amz-credential|x-amz-security-token|authorization"
                    + "|aws_secret_access_key|aws_session_token|secret)(\\s*[=:]\\s*)[^\\s,;&]*");
    private static final int MAX = 300;

    private Redact() {
    }

    static String message(String text) {
        if (text == null) {
            return "";
        }
        String s = QUERY.matcher(text).replaceAll("$1?...");
        s = FIELDS.matcher(s).replaceAll("$1$2***");
        s = s.replaceAll("[\\r\\n\\t]+", " ").strip();
        return s.length() > MAX ? s.substring(0, MAX) + "..." : s;
    }
}
