variable "region" {
  description = "Region LocalStack pretends to be."
  type        = string
  default     = "ap-southeast-2"
}

variable "localstack_endpoint" {
  description = "LocalStack's edge endpoint."
  type        = string
  default     = "http://localhost:4566"
}
