# npcnix install: renders the EC2 user data that bootstraps a stock NixOS AMI into
# following a remote. The script is docs/examples/cloud-init/user-data.sh; this module
# puts the settings in front of it (see ../../cloud-init.md).

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

variable "configuration" {
  description = "nixosConfigurations.<name> the host activates"
  type        = string
}

variable "initial_configuration" {
  description = "Configuration activated first (--initial-configuration); null: none"
  type        = string
  default     = null
}

variable "npcnix_flake" {
  description = "Flake providing npcnix, pinned to a revision, e.g. github:<your-org>/npcnix/<rev> (npcnix has no public address yet)"
  type        = string
}

variable "s3_endpoint" {
  description = "S3-compatible endpoint (--s3-endpoint); null: AWS"
  type        = string
  default     = null
}

variable "extra_substituters" {
  description = "Binary caches for fetching npcnix and for activations"
  type        = list(string)
  default     = []
}

variable "extra_trusted_public_keys" {
  description = "Keys of extra_substituters"
  type        = list(string)
  default     = []
}

variable "trusted_public_keys" {
  description = "Ed25519 keys (Nix format) releases must be signed with; empty: not required"
  type        = list(string)
  default     = []
}

variable "timeout" {
  description = "How long bootstrap waits for the remote to appear"
  type        = string
  default     = "30m"
}

variable "swap_mb" {
  description = "Temporary swap during bootstrap, MiB (0: none)"
  type        = number
  default     = 2048
}

variable "pre_install_script" {
  description = "Shell commands run before the bootstrap script (e.g. writing SSH keys)"
  type        = string
  default     = ""
}

locals {
  user_data = templatefile("${path.module}/user-data.sh.tftpl", {
    npcnix_flake              = var.npcnix_flake
    remote_url                = var.remote.url
    remote_region             = var.remote.region == null ? "" : var.remote.region
    configuration             = var.configuration
    initial_configuration     = var.initial_configuration == null ? "" : var.initial_configuration
    s3_endpoint               = var.s3_endpoint == null ? "" : var.s3_endpoint
    extra_substituters        = var.extra_substituters
    extra_trusted_public_keys = var.extra_trusted_public_keys
    trusted_public_keys       = var.trusted_public_keys
    timeout                   = var.timeout
    swap_mb                   = var.swap_mb
    pre_install_script        = var.pre_install_script
    # Inserted as text, not parsed as a template: the script's own ${...} stay as they are.
    script = file("${path.module}/../../examples/cloud-init/user-data.sh")
  })
}

output "user_data" {
  description = "EC2 user data (a bash script run by NixOS's amazon-init)"
  value       = local.user_data
}
