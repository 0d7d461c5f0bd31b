# LocalStack: docker run -p 127.0.0.1:4566:4566 localstack/localstack, then
#   terraform init && terraform apply
# The same modules as envs/aws, against LocalStack's endpoints with its dummy credentials.

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region                      = var.region
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true
  s3_use_path_style           = true

  endpoints {
    s3             = var.localstack_endpoint
    sqs            = var.localstack_endpoint
    secretsmanager = var.localstack_endpoint
    sts            = var.localstack_endpoint
  }
}

module "storage" {
  source = "../../modules/storage"

  bucket_name   = "zixly-pipeline-results-local"
  environment   = "local"
  force_destroy = true
}

module "queue" {
  source = "../../modules/queue"

  queue_name  = "zixly-trading-sweeps-local"
  environment = "local"
}

module "secrets" {
  source = "../../modules/secrets"

  secret_name             = "zixly/local/trading-api"
  environment             = "local"
  description             = "API key the executor sends to the Trading API (X-API-Key)"
  secret_string           = jsonencode({ api_key = "local-dev-key" })
  recovery_window_in_days = 0
}
