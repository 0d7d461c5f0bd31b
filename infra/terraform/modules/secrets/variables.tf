variable "secret_name" {
  description = "Name (path) of the secret, e.g. zixly/production/trading-api."
  type        = string
}

variable "environment" {
  description = "local, staging, production …; tagged on every resource."
  type        = string
}

variable "description" {
  description = "What the secret holds."
  type        = string
  default     = "Zixly secret"
}

variable "secret_string" {
  description = "Initial value; leave null to set it outside Terraform."
  type        = string
  default     = null
  sensitive   = true
}

variable "recovery_window_in_days" {
  description = "Days a deleted secret can be restored (0 deletes at once: LocalStack only)."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Extra tags."
  type        = map(string)
  default     = {}
}
