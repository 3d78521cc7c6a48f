/**
 * Indicators of compromise rules match against (panther-analysis `panther_iocs`).
 */

/**
 * Fedora Rawhide and Fedora CoreOS 40 AMIs published between 2024-03-26 and 2024-04-01, which ship the
 * backdoored xz/liblzma 5.6.x (CVE-2024-3094). Grouped by the region they were published in.
 */
export const XZ_AMIS: ReadonlySet<string> = new Set([
  // ap-northeast-1
  'ami-08f974397021146fe', 'ami-0edfc5ccf045075e0', 'ami-0cdbbdaeecf641b07',
  'ami-0ed13d14184c434b1', 'ami-01641141ad4a74f91', 'ami-0b3bfb6a56c63396c',
  'ami-0da8d53ccbc7bb06d', 'ami-04ac563c2573f7019', 'ami-095c98047e5191a7b',
  'ami-0c31e2163fa4490ac', 'ami-0c54e696e7e698155', 'ami-07c4e32e9e89efb1c',
  'ami-0f69f59236acd8fba', 'ami-068eb259340b27a4b', 'ami-0652e4768eb0787ad',
  'ami-01e935b9f466f9ed7',
  // ap-northeast-2
  'ami-0132b73d6dd24733f', 'ami-050ba8395805b8ce3', 'ami-0ffa2f4f661fe40a3',
  'ami-0f78215de005e2641', 'ami-09289d01066e9af27', 'ami-0cefecd8b408036eb',
  'ami-08c6e19a188604111', 'ami-0f8c513258e11202d', 'ami-086df47494fd5ecdb',
  'ami-0d5e356a143ff6feb', 'ami-0266f46bdd78350b1', 'ami-0b80d17a7dc5b6c29',
  'ami-0c940943407a19b23', 'ami-0a62170ee0a6cb00b', 'ami-03be7f3add5cd0dde',
  'ami-070eb6616f8f9366e',
  // ap-northeast-3
  'ami-08a9fa97837000af2', 'ami-023f10e77fab380ea', 'ami-030641db3f3f075c6',
  'ami-03a66b5f7d1f45f05',
  // ap-south-1
  'ami-018e5ec4c71a02563', 'ami-0d21816c5fed06222', 'ami-0650e95e10cddfe86',
  'ami-0d8a3155917df9224', 'ami-02cf1b782cbf8ce44', 'ami-060d0a90cb0f2a3a8',
  'ami-0fceb2aef87248b16', 'ami-0ee33a4d24da47c9e', 'ami-0de9d24a0a956d338',
  'ami-05f8c75683ae14a00', 'ami-06cc320fb70dc3658', 'ami-0e5f7945e2c0a5b27',
  'ami-0aab2290ead070285', 'ami-02ebbd07b85df07f3', 'ami-02ee14719e7c21275',
  'ami-0eb8390d2255b2c7f',
  // ap-southeast-1
  'ami-02d7c61a4040c555f', 'ami-05645c6a461e033c9', 'ami-02186a7f6169122dc',
  'ami-0c1585cbf5e73cc1e', 'ami-0429a7233e80586d2', 'ami-01401ea8a15bf2503',
  'ami-0fc2f877e0ef88ac5', 'ami-014b02231fae70d7a', 'ami-0961f0908e7cbb5a0',
  'ami-0bf5c819317a704d5', 'ami-0b5dcf0d23dd1cb78', 'ami-071cd9ae3dd16663c',
  'ami-0dbe71c2ce11d698c', 'ami-0b47f8ae2dc6d24f3', 'ami-02d20db09bf8e28c8',
  'ami-03088bd1505f6ae5e',
  // ap-southeast-2
  'ami-035b1dafce72ac02e', 'ami-075d106c120fb481e', 'ami-0cb951277fde9f7d5',
  'ami-0f6b2a2847db753bf', 'ami-0a9540e380446f382', 'ami-08ca87171dbc818d7',
  'ami-0bfd0266b107b6955', 'ami-03823c12b0e09a536', 'ami-073e9f0b78425bdd6',
  'ami-05c6820aed5b665a1', 'ami-06aa465859abfe347', 'ami-0fe7d9707e702a13e',
  'ami-075cd46c0bc62d008', 'ami-0311d8c14d2a7035b', 'ami-09c0a5a1241b4fcce',
  'ami-096b56b4de809cffe',
  // ca-central-1
  'ami-0db952d81e66ada95', 'ami-01b1ee3368a31c994', 'ami-06a2bcb91739e41f7',
  'ami-0bbffb266d024e316', 'ami-0f73621d46081da00', 'ami-095a6d44db6018054',
  'ami-0dec58aca231a82e6', 'ami-0ae607528e2f9391d', 'ami-0a14647322af86be9',
  'ami-0b41e3fde6356b76d', 'ami-0fe2626321b62790f', 'ami-03f26b5a76090780d',
  'ami-04edae0331a2cb99a', 'ami-05d40c4aba79d696a', 'ami-018818658060cd185',
  'ami-0a54e56d84fc1fde2',
  // eu-central-1
  'ami-0b0c6db4cee6ebbcb', 'ami-0011fd6bde84052e0', 'ami-0c633084aabd8fe9d',
  'ami-042e6b5eef13326c5', 'ami-0a6c3074e9ef5eb22', 'ami-04bd19e31bbecfcd0',
  'ami-0ac4df0e77d4dcd08', 'ami-0d7f3ea5e69f37cf6', 'ami-071fb6330ec75ed99',
  'ami-07cfa39d313b5bb1d', 'ami-0f2d495891c81cda4', 'ami-0b22caf7ce0715f3b',
  'ami-03a0102e43619d36b', 'ami-06a49229bdd5273d9', 'ami-076d5c937d8f98c03',
  'ami-0e194fcd036523ca4',
  // eu-north-1
  'ami-0679e33db04e369fc', 'ami-0d91dff508cea2dd3', 'ami-0d470a67462b1b4d6',
  'ami-09e4f9084e0950377',
  // eu-west-1
  'ami-066d751b0a5cb9757', 'ami-08d155e7d87534921', 'ami-080ad449e81c53a5d',
  'ami-0c7c0ab709d094e65', 'ami-0a5e7b1fd76745847', 'ami-0ae45404264806116',
  'ami-028dc6f7c33ee0b4d', 'ami-08e011719a44ec4d6', 'ami-05656a908af9df8a6',
  'ami-0c57ab4f2937cf855', 'ami-0add1262f7a3bb815', 'ami-0a1f87dd2bc94bbfc',
  'ami-0107d7e090bded724', 'ami-037402d3e5225050f', 'ami-02cd531f57b79a7aa',
  'ami-0d128112cb2749e7a',
  // eu-west-2
  'ami-04f3a958a99290dbe', 'ami-0b64bc38f7b8cd696', 'ami-056f52f9d0798067d',
  'ami-0fd8a21ebe9ece144', 'ami-019718d1b66fea681', 'ami-0d6a98836104061a6',
  'ami-0836d1ee2596846e8', 'ami-0ea6a963b5b01b89f', 'ami-068fb00a122c8a3ae',
  'ami-0392afabc5da9aa27', 'ami-03fbe24ada996c761', 'ami-0d157bb01a2c80b71',
  'ami-031a77879f974be22', 'ami-0eab39cbbd3b450b0', 'ami-0de5e6511774e513c',
  'ami-014a2387605b6ed3d',
  // eu-west-3
  'ami-099145a1f43770cd0', 'ami-01c5e7f50df21f6c7', 'ami-03a156814633590b1',
  'ami-0ecfc4d55df8e9cc8',
  // sa-east-1
  'ami-0026b58ba1ae7e8fc', 'ami-048e80bf078f16fb9', 'ami-05f7ef4f69d6a19c6',
  'ami-07ba6b69b4e8edecf', 'ami-0f830b84842789ca4', 'ami-0b02dbcea77692098',
  'ami-0f004fcf16b59f696', 'ami-071cb491ffbb72a4c', 'ami-005e533a8828c40a7',
  'ami-00d903771c231f51b', 'ami-007347abb797443e9', 'ami-0c51bef7879a63e99',
  'ami-02e51dd313c554c1d', 'ami-0e37c7770d63c3020', 'ami-0f527f9fbe07448f5',
  'ami-0a0a0f1c36cf8c3d7',
  // us-east-1
  'ami-0b890d61c6bfc7fd0', 'ami-099c0415ae1c8704f', 'ami-01d93f2ed9036c444',
  'ami-03f31087fc159f228', 'ami-05693d19b77ccc629', 'ami-0f4eefe7bf5636f18',
  'ami-0c3899a500d3f81d9', 'ami-078715005abc0bea3', 'ami-059e900e520a0febe',
  'ami-0e399bd567fbd4050', 'ami-01d556a8aed949865', 'ami-028ae719081ff9141',
  'ami-0fc4ac1cc421c274f', 'ami-0e8c9542806a49fdc', 'ami-03cebfaac4a4b6156',
  'ami-08f1ca38230424149', 'ami-08e57ea8f8ecbb96b', 'ami-0420fa82d1a55a04d',
  'ami-0d8cd73663a3180e4', 'ami-0e172c40c3ab0283b', 'ami-02a5da3b3c653541c',
  'ami-0d6b046b67f2ec40c', 'ami-0ded444bcb8def0a0', 'ami-0226592a906bae601',
  'ami-087e9a07cbe450b1f', 'ami-00f5623d1d8d863aa', 'ami-0b041ca5b98d2314a',
  'ami-011ccf5cf6aca3e39', 'ami-098ca38fb3622c1d2', 'ami-0ac1330dadf281b2f',
  'ami-062c38d59d67dcd81', 'ami-09322b0a6edb8b311',
  // us-east-2
  'ami-0d561945ea877a79d', 'ami-098324e931c6b5447', 'ami-0f2b057ecde88941c',
  'ami-04096bec7d888ed10', 'ami-0dec4ce2229937c36', 'ami-0c69ad03c8495ad63',
  'ami-03faf8bbf92792d9b', 'ami-0e409c60b98ea8358', 'ami-0d98bb4012dd4d082',
  'ami-073de5a3532e0cafb', 'ami-01da3df628ddfeb94', 'ami-05f2d9411b6cf8ba3',
  'ami-009ea87b9afa8b27e', 'ami-0b19c3ec448c2db5d', 'ami-0da567111c7144af3',
  'ami-0270bd5d45ef1ce2f',
  // us-west-1
  'ami-0c2074bb1d42d5c47', 'ami-02870e3c3ac06f22a', 'ami-011d5d2e4edd5f115',
  'ami-04faeff5f8a080464', 'ami-01b2d9b3409a192f4', 'ami-0eea7d6b69d96ffd0',
  'ami-05dc988900937cdb6', 'ami-0d2ad965cc77d1efc', 'ami-0bb8b68a73943c9fb',
  'ami-0051b0d7b66151c83', 'ami-0b854f86a33caa37d', 'ami-034644ca75beb9ba2',
  'ami-0925bf6e49075aa8c', 'ami-0ddda0b5b83d56208', 'ami-03790d65f69cf2e00',
  'ami-049e91e7496138039',
  // us-west-2
  'ami-03ba5852acf89c4be', 'ami-08c6b132407b025b7', 'ami-036645f0339f5a889',
  'ami-020a359780bc6f835', 'ami-092e3b17e435e5e58', 'ami-03cad1daf37200a2d',
  'ami-0500458bbdc480fd9', 'ami-0ad79a6b913a454e5', 'ami-09f2d28702f57b85c',
  'ami-08200843b835932e6', 'ami-07032d2bce4208ea2', 'ami-0af17f237fcd582cd',
  'ami-0c674423dd90e483c', 'ami-0e4711bf3d106e149', 'ami-09b81f0f9f2acfcdf',
  'ami-083bb1ae22e9bf463',
])
