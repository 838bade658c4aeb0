/**
 * EC2: what an instance learns about itself from the instance metadata service (IMDSv2): its
 * instance id, user data and tags. Used by a first boot that reads the remote it follows from the
 * instance ({@code bootstrap --from-ec2}); the instance id is the natural host id of a fleet.
 */
package dev.npcnix.ec2;
