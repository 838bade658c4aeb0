# npcnix store: a prefix in an S3 bucket holding remotes (remotes/<name>.npcnix) and,
# optionally, host status reports (status/). Optionally creates the bucket with public
# access blocked, versioning and default encryption. Outputs IAM policy documents for
# the three roles: publisher, host (all remotes; see ../remote for one remote), status writer.

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
  status_prefix  = "${var.prefix}/status"
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
  # No s3:ListBucket: publish takes a 403 on the HEAD of a key that does not exist yet as
  # "unknown" and uploads (docs/aws.md).
}

# Hosts that may follow any remote of this store.
data "aws_iam_policy_document" "host_any_remote" {
  statement {
    sid       = "NpcnixFollow"
    actions   = ["s3:GetObject"]
    resources = ["${local.bucket_arn}/${local.remotes_prefix}/*"]
  }
}

# Planned (DESIGN §9, not implemented yet): hosts writing status reports into the store.
data "aws_iam_policy_document" "status_writer" {
  statement {
    sid       = "NpcnixStatus"
    actions   = ["s3:PutObject"]
    resources = ["${local.bucket_arn}/${local.status_prefix}/*"]
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

output "status_writer_policy_json" {
  value = data.aws_iam_policy_document.status_writer.json
}
