# npcnix remote: the address of one packed flake in a store (remotes/<name>.npcnix),
# and the read-only policy for hosts that follow it.

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
  description = "IAM policy: s3:GetObject on this remote only"
  value       = data.aws_iam_policy_document.host.json
}
