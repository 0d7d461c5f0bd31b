variable "region" {
  description = "AWS region."
  type        = string
  default     = "ap-southeast-2"
}

variable "environment" {
  description = "Environment name, part of every resource name (production, staging …)."
  type        = string
  default     = "production"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.environment))
    error_message = "environment must be lower-case letters, digits and dashes."
  }
}
