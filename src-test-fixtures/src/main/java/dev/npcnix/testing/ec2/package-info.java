/**
 * EC2 stand-ins: a real HTTP server on 127.0.0.1 that speaks the instance metadata service's
 * IMDSv2 protocol (session token, then GETs that carry it), serving what a test puts there.
 */
package dev.npcnix.testing.ec2;
