# npcnix instance: an EC2 instance from a stock NixOS AMI, with an instance role that
# may read its remote, and user data that bootstraps it (from the install module).
# After the first boot the instance's configuration comes from the remote only:
# changing user data later does not replace the instance.

terraform {
  required_version = ">= 1.4"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

variable "name" {
  description = "Name tag and prefix of the IAM role"
  type        = string
}

variable "ami" {
  description = "A NixOS AMI for the instance's architecture and region"
  type        = string
}

variable "instance_type" {
  type    = string
  default = "t3.micro"
}

variable "subnet_id" {
  type = string
}

variable "security_group_ids" {
  description = "npcnix needs outbound HTTPS only; no inbound rule is needed for it"
  type        = list(string)
  default     = []
}

variable "key_name" {
  description = "EC2 key pair for emergency SSH access; null: none"
  type        = string
  default     = null
}

variable "root_volume_size" {
  description = "GiB; the Nix store keeps a few generations"
  type        = number
  default     = 20
}

variable "user_data" {
  description = "From the install module"
  type        = string
}

variable "host_policy_json" {
  description = "From the remote module (host_policy_json)"
  type        = string
}

variable "extra_policy_jsons" {
  description = "Further inline policies for the role, by name (e.g. the store's status writer)"
  type        = map(string)
  default     = {}
}

data "aws_iam_policy_document" "assume_ec2" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "host" {
  name_prefix        = "${var.name}-"
  assume_role_policy = data.aws_iam_policy_document.assume_ec2.json
}

resource "aws_iam_role_policy" "npcnix_follow" {
  name   = "npcnix-follow"
  role   = aws_iam_role.host.id
  policy = var.host_policy_json
}

resource "aws_iam_role_policy" "extra" {
  for_each = var.extra_policy_jsons
  name     = each.key
  role     = aws_iam_role.host.id
  policy   = each.value
}

resource "aws_iam_instance_profile" "host" {
  name_prefix = "${var.name}-"
  role        = aws_iam_role.host.name
}

resource "aws_instance" "host" {
  ami                    = var.ami
  instance_type          = var.instance_type
  subnet_id              = var.subnet_id
  vpc_security_group_ids = var.security_group_ids
  key_name               = var.key_name
  iam_instance_profile   = aws_iam_instance_profile.host.name

  user_data                   = var.user_data
  user_data_replace_on_change = false

  metadata_options {
    http_tokens                 = "required" # IMDSv2 only
    http_put_response_hop_limit = 1
  }

  root_block_device {
    volume_size = var.root_volume_size
    volume_type = "gp3"
    encrypted   = true
  }

  tags = {
    Name = var.name
  }

  # The role's policy must exist before the instance boots and bootstraps.
  depends_on = [aws_iam_role_policy.npcnix_follow]

  lifecycle {
    # Hosts follow their remote after the first boot; a new AMI release or edited
    # user data must not recreate running hosts.
    ignore_changes = [ami, user_data]
  }
}

output "instance_id" {
  value = aws_instance.host.id
}

output "private_ip" {
  value = aws_instance.host.private_ip
}

output "role_name" {
  value = aws_iam_role.host.name
}
