/**
 * An S3-compatible server inside the test JVM (S3Proxy on an in-memory store) with a request
 * counter in front, and a JUnit 5 extension that runs one per test class. Test keys are fixed and
 * fake; production code must never print them.
 */
package dev.npcnix.testing.s3;
