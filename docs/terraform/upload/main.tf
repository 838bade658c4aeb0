# npcnix upload: pack a flake directory and publish it to a remote during
# `terraform apply`, with `npcnix publish` run on the machine running Terraform.
# Replaced (so published again) whenever a file under flake_dir changes. Publishing an
# unchanged flake is a no-op in npcnix too ("unchanged"), so a re-run never redeploys.
#
# Needs `npcnix` on PATH (or var.npcnix) and AWS credentials that carry the store's
# publisher policy, taken from the usual chain (AWS_PROFILE, environment, role).

terraform {
  required_version = ">= 1.4"
}

variable "remote" {
  description = "Outputs of the remote module (url, region)"
  type = object({
    url    = string
    region = string
  })
}

variable "flake_dir" {
  description = "Directory with flake.nix to publish, e.g. \"$${path.root}/../nixos\""
  type        = string
}

variable "include" {
  description = "Top-level directories to pack (--include); empty: all of them"
  type        = list(string)
  default     = []
}

variable "npcnix" {
  description = "npcnix executable"
  type        = string
  default     = "npcnix"
}

variable "extra_args" {
  description = "Further arguments for npcnix publish"
  type        = list(string)
  default     = []
}

locals {
  flake_dir = abspath(var.flake_dir)
  # Content hash of the flake dir: names and contents of all files except .git/.
  files       = sort([for f in fileset(local.flake_dir, "**") : f if !startswith(f, ".git/")])
  source_hash = sha1(join("", [for f in local.files : "${f}:${filesha1("${local.flake_dir}/${f}")};"]))
}

resource "terraform_data" "publish" {
  input = var.remote.url
  triggers_replace = {
    source_hash = local.source_hash
    remote      = var.remote.url
  }

  provisioner "local-exec" {
    # No shell: the arguments go to npcnix as they are, and `command` becomes the
    # last argument, the value of --remote.
    interpreter = concat(
      [var.npcnix, "publish", "--src", local.flake_dir],
      flatten([for d in var.include : ["--include", d]]),
      var.remote.region == null ? [] : ["--remote-region", var.remote.region],
      var.extra_args,
      ["--remote"],
    )
    command = var.remote.url
  }
}

output "source_hash" {
  description = "Hash of the published flake dir (changes trigger a publish)"
  value       = local.source_hash
}

output "url" {
  description = "The remote, available once published (depend on it to order hosts after the publish)"
  value       = terraform_data.publish.output
}
