# npcnix remote: the address of one packed flake in a store (remotes/<name>.npcnix),
# and the policy for hosts that follow it: read the remote, write their own report next to it.

terraform {
  required_version = ">= 1.4"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

variable "store" {
  description = "Outputs of the store module (bucket, remotes_prefix, region)"
  type = object({
    bucket         = string
    remotes_prefix = string
    region         = string
  })
}

variable "name" {
  description = "Name of the remote, e.g. \"prod\" (stored as <name>.npcnix)"
  type        = string
}

locals {
  key = "${var.store.remotes_prefix}/${var.name}.npcnix"
}

data "aws_iam_policy_document" "host" {
  statement {
    sid       = "NpcnixFollow"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::${var.store.bucket}/${local.key}"]
  }
  # Each host's report, <remote>.hosts/<EC2 instance id>.json: a host can write its own only
  # (the variable comes from the instance role's credentials; docs/aws.md).
  statement {
    sid       = "NpcnixOwnReport"
    actions   = ["s3:PutObject"]
    resources = ["arn:aws:s3:::${var.store.bucket}/${local.key}.hosts/$${ec2:InstanceID}.json"]
  }
  # Staged rollouts (docs/rollouts.md): the policy of an unsigned release, and the rollout's markers,
  # halt and leases: read in one listing, written create-only, leases deleted when given back.
  statement {
    sid       = "NpcnixRolloutRead"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::${var.store.bucket}/${local.key}.rollout.json", "arn:aws:s3:::${var.store.bucket}/${local.key}.rollout/*"]
  }
  statement {
    sid       = "NpcnixRolloutWrite"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["arn:aws:s3:::${var.store.bucket}/${local.key}.rollout/*"]
  }
  statement {
    sid       = "NpcnixRolloutList"
    actions   = ["s3:ListBucket"]
    resources = ["arn:aws:s3:::${var.store.bucket}"]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${local.key}.rollout/*"]
    }
  }
}

# Readers of npcnix fleet status and npcnix releases for this remote.
data "aws_iam_policy_document" "fleet_reader" {
  statement {
    sid       = "NpcnixFleetList"
    actions   = ["s3:ListBucket"]
    resources = ["arn:aws:s3:::${var.store.bucket}"]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${local.key}.hosts/*", "${local.key}.releases/*", "${local.key}.rollout/*"]
    }
  }
  statement {
    sid       = "NpcnixFleetRead"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::${var.store.bucket}/${local.key}", "arn:aws:s3:::${var.store.bucket}/${local.key}.hosts/*",
    "arn:aws:s3:::${var.store.bucket}/${local.key}.releases/*", "arn:aws:s3:::${var.store.bucket}/${local.key}.rollout.json",
    "arn:aws:s3:::${var.store.bucket}/${local.key}.rollout/*"]
  }
}

output "name" {
  value = var.name
}

output "bucket" {
  value = var.store.bucket
}

output "key" {
  value = local.key
}

output "url" {
  description = "Remote URI for npcnix (--remote)"
  value       = "s3://${var.store.bucket}/${local.key}"
}

output "region" {
  value = var.store.region
}

output "host_policy_json" {
  description = "IAM policy: s3:GetObject on this remote, s3:PutObject on the host's own report"
  value       = data.aws_iam_policy_document.host.json
}

output "fleet_reader_policy_json" {
  description = "IAM policy: npcnix fleet status and npcnix releases for this remote"
  value       = data.aws_iam_policy_document.fleet_reader.json
}
