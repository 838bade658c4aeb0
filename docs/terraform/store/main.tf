# npcnix store: a prefix in an S3 bucket holding remotes (remotes/<name>.npcnix), next to each
# its host reports (<name>.npcnix.hosts/) and release history (<name>.npcnix.releases/).
# Optionally creates the bucket with public access blocked, versioning and default encryption.
# Outputs IAM policy documents for the roles: publisher, host (all remotes; see ../remote for one
# remote), fleet reader.

terraform {
  required_version = ">= 1.4"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

variable "bucket" {
  description = "Name of the S3 bucket"
  type        = string
}

variable "prefix" {
  description = "Key prefix of the store inside the bucket, without leading or trailing slash"
  type        = string
  default     = "npcnix"
}

variable "region" {
  description = "Region of the bucket (given to hosts as --remote-region)"
  type        = string
}

variable "create_bucket" {
  description = "Create the bucket here (false: it exists and is managed elsewhere)"
  type        = bool
  default     = false
}

variable "noncurrent_version_expiration_days" {
  description = "Days to keep previous versions of remotes (rollback window); only with create_bucket"
  type        = number
  default     = 90
}

locals {
  remotes_prefix = "${var.prefix}/remotes"
  bucket_arn     = "arn:aws:s3:::${var.bucket}"
}

resource "aws_s3_bucket" "store" {
  count  = var.create_bucket ? 1 : 0
  bucket = var.bucket
}

resource "aws_s3_bucket_public_access_block" "store" {
  count                   = var.create_bucket ? 1 : 0
  bucket                  = aws_s3_bucket.store[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "store" {
  count  = var.create_bucket ? 1 : 0
  bucket = aws_s3_bucket.store[0].id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "store" {
  count  = var.create_bucket ? 1 : 0
  bucket = aws_s3_bucket.store[0].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "store" {
  count  = var.create_bucket ? 1 : 0
  bucket = aws_s3_bucket.store[0].id
  rule {
    id     = "expire-old-releases"
    status = "Enabled"
    filter {
      prefix = "${local.remotes_prefix}/"
    }
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }
  }
}

# Publisher: publish compares with the current object (GetObject) before uploading.
data "aws_iam_policy_document" "publisher" {
  statement {
    sid       = "NpcnixPublish"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${local.bucket_arn}/${local.remotes_prefix}/*"]
  }
  # publish --keep N removes the oldest kept releases.
  statement {
    sid       = "NpcnixHistoryRetention"
    actions   = ["s3:DeleteObject"]
    resources = ["${local.bucket_arn}/${local.remotes_prefix}/*.releases/*"]
  }
  # Tells a missing remote or release index from a denied one (docs/aws.md).
  statement {
    sid       = "NpcnixPublishList"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${local.remotes_prefix}/*"]
    }
  }
}

# Hosts that may follow any remote of this store.
data "aws_iam_policy_document" "host_any_remote" {
  statement {
    sid       = "NpcnixFollow"
    actions   = ["s3:GetObject"]
    resources = ["${local.bucket_arn}/${local.remotes_prefix}/*"]
  }
  # The host's report next to its remote (never the remote itself: the key ends in .hosts/...).
  statement {
    sid       = "NpcnixReport"
    actions   = ["s3:PutObject"]
    resources = ["${local.bucket_arn}/${local.remotes_prefix}/*.hosts/*"]
  }
  # Staged rollouts (docs/rollouts.md): policy file, markers, halt, leases.
  statement {
    sid       = "NpcnixRolloutRead"
    actions   = ["s3:GetObject"]
    resources = ["${local.bucket_arn}/${local.remotes_prefix}/*.rollout.json", "${local.bucket_arn}/${local.remotes_prefix}/*.rollout/*"]
  }
  statement {
    sid       = "NpcnixRolloutWrite"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.bucket_arn}/${local.remotes_prefix}/*.rollout/*"]
  }
  statement {
    sid       = "NpcnixRolloutList"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${local.remotes_prefix}/*.rollout/*"]
    }
  }
}

# Readers of npcnix fleet status and npcnix releases.
data "aws_iam_policy_document" "fleet_reader" {
  statement {
    sid       = "NpcnixFleetList"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${local.remotes_prefix}/*"]
    }
  }
  statement {
    sid       = "NpcnixFleetRead"
    actions   = ["s3:GetObject"]
    resources = ["${local.bucket_arn}/${local.remotes_prefix}/*"]
  }
}

output "bucket" {
  value = var.bucket
}

output "prefix" {
  value = var.prefix
}

output "remotes_prefix" {
  value = local.remotes_prefix
}

output "region" {
  value = var.region
}

output "publisher_policy_json" {
  value = data.aws_iam_policy_document.publisher.json
}

output "host_any_remote_policy_json" {
  value = data.aws_iam_policy_document.host_any_remote.json
}

output "fleet_reader_policy_json" {
  value = data.aws_iam_policy_document.fleet_reader.json
}
